"""`lightbox anonymize SRC OUT`: de-identified copies of every DICOM file under SRC.

For IT and research exports, without a display. OUT must be new (or an empty folder);
it appears only when everything that could be copied has been written. Files are named
by their new UIDs (OUT/<study>/<series>/<instance>.dcm), never after the originals,
whose names may hold a patient's name. Exit codes:

  0  every file found was copied
  1  the copy was written, but some files were skipped (listed, with the reason)
  2  nothing was written (bad arguments, unwritable OUT, no DICOM files, interrupted)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from viewer.cli.args import output_folder
from viewer.errors import Cancelled, LightboxError
from viewer.io.deidentify import METHOD, export_files
from viewer.io.scan import collect_files

EXIT_OK, EXIT_SKIPPED, EXIT_FAILED = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lightbox anonymize",
        description="Write a de-identified copy (DICOM PS3.15 basic profile) of every "
                    "DICOM file found under SRC into the new folder OUT.")
    parser.add_argument("src", type=Path, help="a DICOM file or a folder (searched recursively)")
    parser.add_argument("out", type=output_folder, help="the folder to create (must not exist or be empty)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    src: Path = args.src
    out: Path = args.out
    if not os.path.lexists(src):  # a broken link or a link loop is reported by collect_files
        print(f"lightbox anonymize: {src} not found", file=sys.stderr)
        return EXIT_FAILED
    # realpath, not Path.resolve(): a link loop must not raise here
    if Path(os.path.realpath(out)).is_relative_to(os.path.realpath(src)) and src.is_dir():
        print(f"lightbox anonymize: {out} is inside {src}; choose an output folder "
              "outside the source", file=sys.stderr)
        return EXIT_FAILED
    # DICOMDIRs are indexes: collect_files skips them inside folders; a copy gets none.
    files, missing = collect_files([src])

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done == total or done % 50 == 0):
            print(f"\r{done} / {total} files", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    try:
        report = export_files(files, out, progress=progress)
    except Cancelled:
        print("lightbox anonymize: interrupted; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nlightbox anonymize: interrupted; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except LightboxError as exc:
        print(f"lightbox anonymize: {exc}", file=sys.stderr)
        return EXIT_FAILED
    skipped = [(p, r) for p, r in ((m.path, m.reason) for m in missing)] + report.skipped
    studies = {c.study_uid for c in report.written}
    series = {c.series_uid for c in report.written}
    print(f"Wrote {len(report.written)} de-identified file(s) ({len(studies)} study(ies), "
          f"{len(series)} series) to {out}")
    print(f"Method: {METHOD}")
    for warning in report.warnings:
        count = sum(warning in c.warnings for c in report.written)
        print(f"Warning ({count} file(s)): {warning}")
    if skipped:
        print(f"Skipped {len(skipped)} file(s):")
        for path, reason in skipped:
            print(f"  {path}: {reason}")
        return EXIT_SKIPPED
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
