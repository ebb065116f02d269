"""The Qt-free reading session (``session.Session``): open studies merged by UID, which
series each viewport shows, AI runs and results with their display state, measurements,
and the view state of each viewport."""
