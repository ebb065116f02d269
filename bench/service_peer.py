"""The plain pattern ``bench_service.py`` compares ``lightbox serve`` with: a FastAPI app
that runs the PyTorch module eagerly per request, as a tutorial would write it (a Pydantic
body of floats, ``torch.tensor``, ``model(x)``, ``.tolist()``), on the same model (the
recipe's nn.Module holding the artifact's own weights, ``bench_models.py``).

    python bench/service_peer.py --port 8100 --model models/ct-lesion-cls [--threads N]

(No ``from __future__ import annotations``: FastAPI must see the body model defined inside
``main`` as a class, not as a string it cannot resolve.)
"""


import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ns = ap.parse_args()

    import torch
    import uvicorn
    from bench_models import torch_model_from_artifact
    from fastapi import FastAPI
    from pydantic import BaseModel

    torch.set_num_threads(ns.threads)
    model, manifest, _golden, _worst = torch_model_from_artifact(ns.model)
    names = [o["name"] for o in manifest["outputs"]]

    class Payload(BaseModel):
        data: list[float]
        shape: list[int]

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"live": True}

    @app.post("/predict")
    def predict(payload: Payload) -> dict[str, list[float]]:
        x = torch.tensor(payload.data, dtype=torch.float32).reshape(payload.shape)
        with torch.inference_mode():
            outputs = model(x)
        return {name: out.reshape(-1).tolist() for name, out in zip(names, outputs, strict=True)}

    uvicorn.run(app, host="127.0.0.1", port=ns.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
