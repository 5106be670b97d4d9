"""Downloads full MNIST (four gzipped IDX files) into a cache folder with urllib, checking sizes and SHA-256.

Each file is written to <name>.part and renamed only once complete and verified, so the cache never
holds a partial or unverified file. Parsing the files is core.data.datasets's job, not this module's.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import threading
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.data.errors import DatasetError

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: its name on the mirrors, its exact size in bytes and its SHA-256 (hex)."""

    name: str
    size: int
    sha256: str


# The digests that tensorflow_datasets and torchvision-based projects publish for these exact files.
MNIST_FILES = (
    RemoteFile(
        "train-images-idx3-ubyte.gz", 9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    RemoteFile(
        "train-labels-idx1-ubyte.gz", 28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    RemoteFile(
        "t10k-images-idx3-ubyte.gz", 1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    RemoteFile(
        "t10k-labels-idx1-ubyte.gz", 4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
)


class DownloadError(DatasetError):
    """A file could not be fetched intact from any mirror."""


class DownloadCancelled(DownloadError):
    """The caller set the cancel event; nothing partial was left behind."""


def download_mnist(
    cache_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    base_urls: Sequence[str] = MNIST_MIRRORS,
    cancel: threading.Event | None = None,
    files: Sequence[RemoteFile] = MNIST_FILES,
    timeout: float = 30.0,
) -> Path:
    """Fetches `files` into cache_dir/mnist/ and returns that folder.

    Files already there with the right digest are kept. Each missing file is tried on every mirror in
    base_urls in turn. progress(bytes_done, bytes_total) counts all files (bytes_done may step back when
    a mirror fails midway). timeout is in seconds, per connection attempt and per read.
    Raises DownloadError when a file fails on every mirror, DownloadCancelled when `cancel` is set.
    """
    folder = Path(cache_dir) / "mnist"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"{folder}: cannot create the cache folder ({error})") from error
    total = sum(remote.size for remote in files)
    missing = [remote for remote in files if not _is_intact(folder / remote.name, remote)]
    done = total - sum(remote.size for remote in missing)
    report = progress or (lambda done, total: None)
    report(done, total)
    for remote in missing:

        def on_bytes(received: int, before: int = done) -> None:
            report(before + received, total)

        _fetch_from_mirrors(remote, folder, base_urls, on_bytes, cancel, timeout)
        done += remote.size
    return folder


def _fetch_from_mirrors(
    remote: RemoteFile,
    folder: Path,
    base_urls: Sequence[str],
    on_bytes: Callable[[int], None],
    cancel: threading.Event | None,
    timeout: float,
) -> None:
    """Tries each mirror until one yields the verified file at folder/remote.name."""
    failures = []
    for base_url in base_urls:
        url = base_url.rstrip("/") + "/" + remote.name
        try:
            _fetch(url, remote, folder, on_bytes, cancel, timeout)
            return
        except DownloadCancelled:
            raise
        except (OSError, http.client.HTTPException, DownloadError) as error:
            failures.append(f"{url}: {error}")
    raise DownloadError(f"could not download {remote.name}: " + "; ".join(failures or ["no mirrors given"]))


def _fetch(
    url: str,
    remote: RemoteFile,
    folder: Path,
    on_bytes: Callable[[int], None],
    cancel: threading.Event | None,
    timeout: float,
) -> None:
    """Streams url into folder/<name>.part, verifies size and SHA-256, then renames it; never leaves the .part."""
    part = folder / f"{remote.name}.part"
    request = urllib.request.Request(url, headers={"User-Agent": "latent-lab"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, part.open("wb") as out:
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) != remote.size:
                raise DownloadError(f"server announces {announced} bytes, expected {remote.size}")
            digest = hashlib.sha256()
            received = 0
            while received < remote.size:  # bounded by the expected size, whatever the server sends
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled(f"download of {remote.name} cancelled")
                chunk = response.read(min(CHUNK_BYTES, remote.size - received))
                if not chunk:
                    raise DownloadError(f"connection closed after {received} of {remote.size} bytes")
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                on_bytes(received)
            if response.read(1):
                raise DownloadError(f"server sent more than the expected {remote.size} bytes")
        if digest.hexdigest() != remote.sha256:
            raise DownloadError(f"SHA-256 checksum mismatch: got {digest.hexdigest()}, expected {remote.sha256}")
        os.replace(part, folder / remote.name)
    finally:
        part.unlink(missing_ok=True)


def _is_intact(path: Path, remote: RemoteFile) -> bool:
    """Whether path holds exactly the expected bytes; a damaged file is removed so it is fetched again."""
    if not path.is_file():
        return False
    if path.stat().st_size == remote.size and _sha256(path) == remote.sha256:
        return True
    path.unlink()
    return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
