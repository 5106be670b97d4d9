"""Downloads full MNIST (four gzipped IDX files) into a cache folder with urllib, checking sizes and SHA-256.

Each download writes a temporary file of its own beside the file (core.atomic_files.temporary_beside), renamed only
once complete and verified, so the cache never holds a partial or unverified file, even with two downloads at once.
A cached file is checked before it is trusted; the whole download has a deadline. Parsing the files is
core.data.datasets's job, not this module's.
"""
from __future__ import annotations

import hashlib
import http.client
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.atomic_files import remove_stale_temporaries, temporary_beside
from core.data.errors import DatasetError

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
CHUNK_BYTES = 64 * 1024
DEADLINE_S = 30 * 60.0    # the whole download (11.6 MB): 30 minutes is 6.4 kB/s
log = logging.getLogger(__name__)


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


class DownloadTimedOut(DownloadError):
    """The download did not finish before its deadline; nothing partial was left behind."""


def download_mnist(
    cache_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    base_urls: Sequence[str] = MNIST_MIRRORS,
    cancel: threading.Event | None = None,
    files: Sequence[RemoteFile] = MNIST_FILES,
    timeout: float = 30.0,
    deadline: float = DEADLINE_S,
) -> Path:
    """Fetches `files` into cache_dir/mnist/ and returns that folder.

    Files already there with the right size and digest are kept; any other file there under such a name is
    deleted, with a warning on the log (stderr), and downloaded again. Each missing file is tried on every mirror in
    base_urls in turn. progress(bytes_done, bytes_total) counts all files (bytes_done may step back when
    a mirror fails midway). timeout is in seconds, per connection attempt and per read; deadline, in seconds, for
    the whole call, however slowly a server sends.
    Raises DownloadError when a file fails on every mirror, DownloadCancelled when `cancel` is set,
    DownloadTimedOut when the deadline passes.
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
    ends_at = time.monotonic() + deadline
    for remote in missing:

        def on_bytes(received: int, before: int = done) -> None:
            report(before + received, total)

        _fetch_from_mirrors(remote, folder, base_urls, on_bytes, cancel, _Clock(timeout, ends_at, deadline))
        done += remote.size
    return folder


@dataclass(frozen=True)
class _Clock:
    """The limits of one download: `timeout` s per connection attempt and read, and all of it over by `ends_at`
    (time.monotonic), `deadline` s after it began."""

    timeout: float
    ends_at: float
    deadline: float

    def check(self, what: str) -> float:
        """The seconds left, at most `timeout`; raises DownloadTimedOut naming `what` when none are."""
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise DownloadTimedOut(f"{what}: the download did not finish within its deadline of {self.deadline:g} s")
        return min(self.timeout, left)


def _fetch_from_mirrors(
    remote: RemoteFile,
    folder: Path,
    base_urls: Sequence[str],
    on_bytes: Callable[[int], None],
    cancel: threading.Event | None,
    clock: _Clock,
) -> None:
    """Tries each mirror until one yields the verified file at folder/remote.name."""
    failures = []
    for base_url in base_urls:
        url = base_url.rstrip("/") + "/" + remote.name
        try:
            _fetch(url, remote, folder, on_bytes, cancel, clock)
            return
        except (DownloadCancelled, DownloadTimedOut):
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
    clock: _Clock,
) -> None:
    """Streams url into a temporary file of this download's own beside folder/<name>, verifies size and SHA-256,
    then renames it; never leaves the temporary file."""
    target = folder / remote.name
    part = temporary_beside(target)
    request = urllib.request.Request(url, headers={"User-Agent": "latent-lab"})
    try:
        with urllib.request.urlopen(request, timeout=clock.check(remote.name)) as response, part.open("xb") as out:
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) != remote.size:
                raise DownloadError(f"server announces {announced} bytes, expected {remote.size}")
            digest = hashlib.sha256()
            received = 0
            while received < remote.size:  # bounded by the expected size, whatever the server sends
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled(f"download of {remote.name} cancelled")
                clock.check(f"{remote.name} ({received:,} of {remote.size:,} bytes)")
                # read1: what one read of the socket gives. read() waits for the whole chunk, which a server sending
                # a byte a second takes 18 hours to fill, and the deadline would not be seen meanwhile.
                chunk = response.read1(min(CHUNK_BYTES, remote.size - received))
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
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    remove_stale_temporaries(target)      # those of downloads that were killed


def _is_intact(path: Path, remote: RemoteFile) -> bool:
    """Whether path holds exactly the expected bytes; a damaged file is removed, with a warning, so it is fetched
    again."""
    if not path.is_file():
        return False
    size = path.stat().st_size
    if size == remote.size and _sha256(path) == remote.sha256:
        return True
    problem = f"{size:,} bytes instead of {remote.size:,}" if size != remote.size else "its SHA-256 is wrong"
    log.warning("%s is damaged (%s): deleted, downloading it again", path, problem)
    path.unlink()
    return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
