"""download_mnist against local HTTP mirrors on 127.0.0.1 serving tiny fake MNIST files; never the real ones."""
import gzip
import hashlib
import logging
import os
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from core.data.datasets import load_idx_folder
from core.data.download import (
    CHUNK_BYTES,
    DownloadCancelled,
    DownloadError,
    DownloadTimedOut,
    RemoteFile,
    download_mnist,
)
from core.data.errors import DatasetError

TIMEOUT_S = 5.0


def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    # mtime=0 keeps the bytes, and so the digests, the same on every run.
    return gzip.compress(header + array.tobytes(), mtime=0)


def fake_mnist() -> dict[str, bytes]:
    """Valid gzipped IDX files named like MNIST's; random pixels keep the image file over two chunks."""
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (200, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte.gz": idx_gz(rng.integers(0, 10, 200, dtype=np.uint8)),
        "t10k-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte.gz": idx_gz(rng.integers(0, 10, 5, dtype=np.uint8)),
    }


FILES = fake_mnist()
EXPECTED = tuple(RemoteFile(name, len(body), hashlib.sha256(body).hexdigest()) for name, body in FILES.items())
TOTAL = sum(len(body) for body in FILES.values())


class Mirrors:
    """A local HTTP server; each mirror is a path prefix with its own files and behaviour."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}  # url path -> (body, "ok" | "drop" | "slow" | "together")
        self.together = threading.Barrier(2, timeout=TIMEOUT_S)
        routes, together = self.routes, self.together

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path not in routes:
                    self.send_error(404)
                    return
                body, behaviour = routes[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.close_connection = True
                try:
                    if behaviour == "slow":          # a byte every 20 ms: 4 days for the images
                        for start in range(len(body)):
                            self.wfile.write(body[start : start + 1])
                            self.wfile.flush()
                            time.sleep(0.02)
                    elif behaviour == "together":    # half, then the rest once a second download has its half too
                        self.wfile.write(body[: len(body) // 2])
                        self.wfile.flush()
                        together.wait()
                        self.wfile.write(body[len(body) // 2 :])
                    else:                            # "drop" announces the full length, then hangs up halfway
                        self.wfile.write(body if behaviour == "ok" else body[: len(body) // 2])
                except (OSError, threading.BrokenBarrierError):
                    pass                             # the client went away

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, mirror: str, files: dict[str, bytes], behaviour: str = "ok") -> str:
        """Publishes files under /mirror/ and returns that mirror's base URL."""
        for name, body in files.items():
            self.routes[f"/{mirror}/{name}"] = (body, behaviour)
        return self.url(mirror)

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mirror}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=TIMEOUT_S)


@pytest.fixture
def mirrors() -> Iterator[Mirrors]:
    server = Mirrors()
    yield server
    server.close()


def download(cache_dir, base_urls, **kwargs):
    return download_mnist(cache_dir, base_urls=base_urls, files=EXPECTED, timeout=TIMEOUT_S, **kwargs)


def test_download_writes_verified_files_and_progress_reaches_the_total(tmp_path, mirrors):
    reports = []
    folder = download(tmp_path, [mirrors.serve("a", FILES)], progress=lambda done, total: reports.append((done, total)))
    assert folder == tmp_path / "mnist"
    assert sorted(path.name for path in folder.iterdir()) == sorted(FILES)
    assert all((folder / name).read_bytes() == body for name, body in FILES.items())
    assert reports[0] == (0, TOTAL) and reports[-1] == (TOTAL, TOTAL)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert len(load_idx_folder(folder).train_labels) == 200


def test_corrupted_file_raises_and_leaves_no_file(tmp_path, mirrors):
    body = bytearray(FILES["t10k-labels-idx1-ubyte.gz"])
    body[-5] ^= 0xFF
    base = mirrors.serve("a", {**FILES, "t10k-labels-idx1-ubyte.gz": bytes(body)})
    with pytest.raises(DownloadError, match="checksum"):
        download(tmp_path, [base])
    assert not list((tmp_path / "mnist").glob("t10k-labels*"))


def test_dropped_connection_raises_and_leaves_no_partial_file(tmp_path, mirrors):
    base = mirrors.serve("a", FILES, behaviour="drop")
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: connection closed after"):
        download(tmp_path, [base])
    assert list((tmp_path / "mnist").iterdir()) == []


def test_second_mirror_is_used_when_the_first_answers_404(tmp_path, mirrors):
    folder = download(tmp_path, [mirrors.url("empty"), mirrors.serve("b", FILES)])
    assert sorted(path.name for path in folder.iterdir()) == sorted(FILES)


def test_error_lists_every_mirror_that_failed(tmp_path, mirrors):
    with pytest.raises(DownloadError) as raised:
        download(tmp_path, [mirrors.url("one"), mirrors.url("two")])
    assert "/one/" in str(raised.value) and "/two/" in str(raised.value) and "404" in str(raised.value)


def test_cancel_midway_stops_and_leaves_nothing(tmp_path, mirrors):
    assert len(FILES["train-images-idx3-ubyte.gz"]) > 2 * CHUNK_BYTES
    cancel = threading.Event()

    def cancel_after_first_bytes(done: int, total: int) -> None:
        if done > 0:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download(tmp_path, [mirrors.serve("a", FILES)], progress=cancel_after_first_bytes, cancel=cancel)
    assert list((tmp_path / "mnist").iterdir()) == []


def test_files_already_verified_are_not_downloaded_again(tmp_path, mirrors):
    download(tmp_path, [mirrors.serve("a", FILES)])
    reports = []
    download(tmp_path, [mirrors.url("empty")], progress=lambda done, total: reports.append((done, total)))
    assert reports == [(TOTAL, TOTAL)]


def test_damaged_cached_file_is_fetched_again(tmp_path, mirrors):
    base = mirrors.serve("a", FILES)
    folder = download(tmp_path, [base])
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"damaged")
    download(tmp_path, [base])
    assert (folder / "t10k-images-idx3-ubyte.gz").read_bytes() == FILES["t10k-images-idx3-ubyte.gz"]


def test_a_server_sending_a_byte_at_a_time_is_stopped_at_the_deadline(tmp_path, mirrors):
    base = mirrors.serve("slow", FILES, behaviour="slow")
    started = time.monotonic()
    with pytest.raises(DownloadTimedOut) as raised:
        download(tmp_path, [base, mirrors.serve("fast", FILES)], deadline=1.0)
    assert time.monotonic() - started < 4                # the deadline, plus at most one read's wait
    assert str(raised.value).startswith("train-images-idx3-ubyte.gz (")
    assert str(raised.value).endswith("the download did not finish within its deadline of 1 s")
    assert list((tmp_path / "mnist").iterdir()) == []     # and the next mirror was not tried: the time is up


def test_two_downloads_into_one_cache_at_once_both_end_with_the_verified_files(tmp_path, mirrors):
    base = mirrors.serve("a", FILES)
    mirrors.serve("a", {"train-images-idx3-ubyte.gz": FILES["train-images-idx3-ubyte.gz"]}, behaviour="together")
    results, errors = [], []

    def one_download() -> None:
        try:
            results.append(download(tmp_path, [base]))
        except DatasetError as error:
            errors.append(error)

    threads = [threading.Thread(target=one_download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and results == [tmp_path / "mnist"] * 2
    assert sorted(path.name for path in results[0].iterdir()) == sorted(FILES)
    assert all((results[0] / name).read_bytes() == body for name, body in FILES.items())


@pytest.mark.parametrize("damage", ["shorter", "same size"])
def test_a_damaged_cached_file_is_deleted_and_downloaded_again_with_a_message(tmp_path, mirrors, caplog, damage):
    base = mirrors.serve("a", FILES)
    folder = download(tmp_path, [base])
    name = "t10k-images-idx3-ubyte.gz"
    body = FILES[name]
    (folder / name).write_bytes(b"damaged" if damage == "shorter" else bytes([body[0] ^ 1]) + body[1:])
    with caplog.at_level(logging.WARNING, logger="core.data.download"):
        download(tmp_path, [base])
    assert (folder / name).read_bytes() == body
    problem = f"7 bytes instead of {len(body):,}" if damage == "shorter" else "its SHA-256 is wrong"
    assert caplog.messages == [f"{folder / name} is damaged ({problem}): deleted, downloading it again"]


def test_the_temporary_file_of_a_killed_download_goes_with_the_next_download(tmp_path, mirrors):
    folder = tmp_path / "mnist"
    folder.mkdir()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    left = folder / f".train-labels-idx1-ubyte.gz.{ended.pid}.0123456789abcdef.partial"
    left.write_bytes(b"half a file")
    download(tmp_path, [mirrors.serve("a", FILES)])
    assert sorted(os.listdir(folder)) == sorted(FILES)
