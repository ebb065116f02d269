import multiprocessing

from viewer.cli.main import main

if __name__ == "__main__":
    # The decoder pool starts worker processes; a frozen executable re-enters here in
    # each of them, and freeze_support() lets them run their task instead of the app.
    multiprocessing.freeze_support()
    raise SystemExit(main())
