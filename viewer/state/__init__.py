"""The Qt-free reading session: what is open, what each viewport shows, AI runs and results, measurements."""
