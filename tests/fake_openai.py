"""A fake OpenAI-compatible server on 127.0.0.1 that records chat and embedding requests.

Modes: "ok" answers (a rewrite; embeddings made by the offline embedder, so they mean
something), "error" answers 500, "slow" waits longer than any test's client timeout, "flaky"
answers 429 to the first two requests and then as "ok", "refused" answers 400, "short"
returns embeddings of the wrong size. Never reaches the internet.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from revos.domain.embedders import HashEmbedder

REWRITTEN = "Hi there, here is the rewritten draft in the cartridge's voice."


def _embeddings(body: dict, short: bool) -> dict:
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    vectors = HashEmbedder().embed(texts)
    return {
        "object": "list",
        "model": body["model"],
        "data": [
            {"object": "embedding", "index": i, "embedding": v[: 8 if short else None].tolist()}
            for i, v in enumerate(vectors)
        ],
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }


@dataclass
class FakeOpenAI:
    base_url: str
    mode: str = "ok"
    requests: list[dict] = field(default_factory=list)


@contextmanager
def fake_openai(mode: str = "ok") -> Iterator[FakeOpenAI]:
    state = FakeOpenAI(base_url="", mode=mode)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(
                {
                    "path": self.path,
                    "body": body,
                    "authorization": self.headers.get("Authorization"),
                }
            )
            if state.mode == "slow":
                time.sleep(3)
            if state.mode == "error":
                self._reply(500, {"error": {"message": "boom", "type": "server_error"}})
                return
            if state.mode == "flaky" and len(state.requests) <= 2:
                self._reply(429, {"error": {"message": "slow down", "type": "rate_limit"}})
                return
            if state.mode == "refused":
                self._reply(400, {"error": {"message": "bad input", "type": "invalid_request"}})
                return
            if self.path.endswith("/embeddings"):
                self._reply(200, _embeddings(body, short=state.mode == "short"))
                return
            self._reply(
                200,
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": REWRITTEN},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
