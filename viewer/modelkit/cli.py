"""``lightbox model``: build-time commands (PyTorch → artifact).

    lightbox model build RECIPE_DIR --weights FILE --out DIR [--golden NPZ] [--metrics JSON]
                         [--key KEY.pem]
    lightbox model train RECIPE_DIR --out WEIGHTS [--seed N] [--metrics JSON]
    lightbox model keygen --out DIR [--name NAME]
    lightbox model sign ARTIFACT_DIR --key KEY.pem

``build`` writes ``DIR/<id>/`` or, when the model fails a check, a report naming the cause
and no artifact; with ``--key`` it also signs it. ``keygen`` writes an Ed25519 key pair
(``NAME.pem``, private, and ``NAME.pub``, the line IT lists in ``trusted_keys``);
``sign`` checks an artifact's digests and writes its ``signature.json``. ``sign`` and
``keygen`` need no PyTorch. Exit status: 0 done, 1 refused or failed, 2 usage.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from viewer.modelkit.errors import BuildError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lightbox model", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="recipe + state_dict → verified artifact")
    build.add_argument("recipe", type=Path, help="recipe folder (model.py, spec.yaml, train.py)")
    build.add_argument("--weights", type=Path, required=True, help=".pt/.pth state_dict or .safetensors")
    build.add_argument("--out", type=Path, required=True, help="models folder; gets <id>/")
    build.add_argument("--golden", type=Path, help="npz of typical inputs (input:<name>)")
    build.add_argument("--metrics", type=Path, help="held-out metrics JSON for the card")
    build.add_argument("--key", type=Path, help="Ed25519 private key (PEM) that signs it")
    sign = commands.add_parser("sign", help="sign an artifact's manifest digest")
    sign.add_argument("artifact", type=Path, help="artifact folder (manifest.json, ...)")
    sign.add_argument("--key", type=Path, required=True, help="Ed25519 private key (PEM)")
    keygen = commands.add_parser("keygen", help="write a new Ed25519 signing key pair")
    keygen.add_argument("--out", type=Path, required=True, help="folder for NAME.pem/.pub")
    keygen.add_argument("--name", default="model-signing", help="file name stem")
    train = commands.add_parser("train", help="run the recipe's train.py")
    train.add_argument("recipe", type=Path)
    train.add_argument("--out", type=_weights_file, required=True,
                       help="weights file to write (.pt)")
    train.add_argument("--seed", type=_seed, default=0, help="random seed, 0 to 2**32-1")
    train.add_argument("--metrics", type=Path, help="write held-out metrics JSON here")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "train":
        return _train(args)
    if args.command in ("sign", "keygen"):
        return _sign_or_keygen(args)
    return _build(args)


def _seed(text: str) -> int:
    """A seed numpy and torch both accept: 0 to 2**32 - 1."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expects a whole number such as 0, not {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expects a number from 0 to {2**32 - 1}, not {value}")
    return value


def _weights_file(text: str) -> Path:
    """A new name or a regular file: never a device, a named pipe or a folder."""
    from viewer.host.files import NotRegularFileError, check_replaceable

    try:
        check_replaceable(text)
    except (NotRegularFileError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return Path(text)


def _sign_or_keygen(args: argparse.Namespace) -> int:
    from viewer.inference.errors import ModelError
    from viewer.inference.signing import generate_key, key_id, sign_artifact

    try:
        if args.command == "keygen":
            private, public = generate_key(args.out, args.name)
            text = public.read_text(encoding="ascii").strip()
            print(f"private key {private} (keep it with the approving team; never ship it)")
            print(f"public key  {public}: {text}")
            print(f"  key id {key_id(text)}; IT lists it in the site file: "
                  f"trusted_keys = [\"{text}\"]")
        else:
            path = sign_artifact(args.artifact, args.key)
            import json

            document = json.loads(path.read_text(encoding="utf-8"))
            print(f"signed {args.artifact} (digest {document['digest'][:16]}…) with key "
                  f"{document['key_id']} → {path}")
    except ModelError as exc:
        print(f"lightbox model {args.command}: {exc.reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lightbox model {args.command}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def _build(args: argparse.Namespace) -> int:
    from viewer.modelkit.build import build_artifact

    try:
        folder = build_artifact(
            args.recipe, args.weights, args.out, golden=args.golden, evaluation=args.metrics,
            key=args.key,
        )
    except BuildError as exc:
        print(f"lightbox model build: refused ({exc.check}): {exc}", file=sys.stderr)
        print("No artifact was written.", file=sys.stderr)
        return 1
    import json

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    print(f"built {manifest['id']} {manifest['version']} → {folder}")
    print(f"  exporter {manifest['provenance']['exporter']}, digest {manifest['digest'][:16]}…")
    for name, fig in manifest["checks"]["parity"]["outputs"].items():
        print(f"  parity {name}: max abs {fig['max_abs']:.3g}, max rel {fig['max_rel']:.3g}")
    return 0


def _train(args: argparse.Namespace) -> int:
    script = args.recipe.resolve() / "train.py"  # train.py runs from its own folder
    if not script.is_file():
        print(f"lightbox model train: {args.recipe} has no train.py", file=sys.stderr)
        return 1
    # Paths given relative to where the user stands, not to the recipe folder.
    command = [sys.executable, str(script), "--out", str(args.out.resolve()),
               "--seed", str(args.seed)]
    if args.metrics:
        command += ["--metrics", str(args.metrics.resolve())]
    return subprocess.run(command, cwd=args.recipe, check=False).returncode
