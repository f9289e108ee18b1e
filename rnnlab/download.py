"""Finding the data set (an argument, RNNLAB_DATA_DIR, the project's data/ folder) and, when none is there,
downloading the official zip from UCI into data/, unpacked and validated before anything is put in place."""

from __future__ import annotations

import http.client
import os
import shutil
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from rnnlab.datafiles import SOURCES, SUBFOLDERS, ZIP_FOLDER, DataError, files_in, load_folder

# UCI Machine Learning Repository, data set 331; RNNLAB_DATA_URL overrides it (tests serve a zip locally).
UCI_URL = "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip"

# The project's own data folder; downloads land here (git-ignored). Tests point it at a temporary folder.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024  # the real zip is about 84 KB; anything this big is not it
DOWNLOAD_TIMEOUT_S = 30



# ----------------------------------------------------------------------------------------------------------
# Finding the data: argument, RNNLAB_DATA_DIR, data/, then the UCI download


def _three_ways(url: str) -> str:
    names = ", ".join(SOURCES.values())
    return (
        "Provide the UCI 'Sentiment Labelled Sentences' data in one of three ways:\n"
        f"  1. pass data_dir=... to load_sentiment(), or set the environment variable RNNLAB_DATA_DIR, "
        f"to a folder holding {names};\n"
        f"  2. put those three files (or the unzipped '{ZIP_FOLDER}' folder) into {DATA_DIR};\n"
        f"  3. connect to the internet and let RNN Lab download it from {url}."
    )


def _explicit_folder(data_dir, origin: str) -> Path:
    """A folder the user named: it must hold the data; we never download over an explicit choice."""
    folder = Path(data_dir).expanduser()
    if not folder.exists():
        raise DataError(f"{origin} points to {folder}, which does not exist (nothing downloaded: a folder was given).")
    if not folder.is_dir():
        raise DataError(f"{origin} points to {folder}, which is not a folder.")
    found, missing = files_in(folder)
    if found is None:
        raise DataError(
            f"{origin} points to {folder}, which lacks {', '.join(missing)} "
            f"(looked in it and in its '{SUBFOLDERS[0]}' and '{SUBFOLDERS[1]}' subfolders)."
        )
    return found


def data_url() -> str:
    """Where the zip is downloaded from: RNNLAB_DATA_URL if set, else the official UCI address."""
    return os.environ.get("RNNLAB_DATA_URL") or UCI_URL


def find_data_dir(data_dir=None, *, download: bool = True, progress=None) -> Path:
    """The folder holding the three files: the argument, else RNNLAB_DATA_DIR, else data/, else (if `download`)
    a fresh download of the official zip into data/. Raises DataError saying what is missing and how to fix it."""
    if data_dir is not None:
        return _explicit_folder(data_dir, "data_dir")
    if os.environ.get("RNNLAB_DATA_DIR"):
        return _explicit_folder(os.environ["RNNLAB_DATA_DIR"], "RNNLAB_DATA_DIR")
    found, missing = files_in(DATA_DIR)
    if found is not None:
        return found
    if len(missing) < len(SOURCES):
        # Someone put part of the data here: tell them, rather than download beside it.
        raise DataError(f"{DATA_DIR} holds only part of the data set: {', '.join(missing)} missing.")
    if not download:
        raise DataError(f"The data set is not in {DATA_DIR} yet.\n" + _three_ways(data_url()))
    return download_sentiment(progress=progress)



# ----------------------------------------------------------------------------------------------------------
# Downloading the official zip


def print_progress(done_bytes: int, total_bytes: int | None) -> None:
    """The default download progress: a text bar on stderr (total_bytes is None when the server does not say)."""
    if total_bytes:
        filled = int(30 * min(done_bytes, total_bytes) / total_bytes)
        bar = "#" * filled + "-" * (30 - filled)
        line = f"\rDownloading sentiment data [{bar}] {100 * done_bytes // total_bytes:3d}% " \
               f"{done_bytes // 1024}/{total_bytes // 1024} KB"
    else:
        line = f"\rDownloading sentiment data {done_bytes // 1024} KB"
    end = "\n" if total_bytes and done_bytes >= total_bytes else ""
    print(line, end=end, file=sys.stderr, flush=True)


_download_lock = threading.Lock()


def _fetch(url: str, destination, progress) -> None:
    """Stream `url` into the open file `destination`, reporting progress(done, total)."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        progress(done, total)
        while chunk := response.read(64 * 1024):
            done += len(chunk)
            if done > MAX_DOWNLOAD_BYTES:
                raise DataError(f"The download from {url} is over {MAX_DOWNLOAD_BYTES // 2**20} MB: not the UCI zip.")
            destination.write(chunk)
            progress(done, total)


def _unpack(zip_path: Path, url: str, into: Path) -> None:
    """Copy the three files (and the readme) out of the zip into `into`. Members are looked up by their file
    name and written under names we choose, so a hostile path in the archive ('../x', '/etc/x') is never used."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise DataError(f"The download from {url} is not a valid zip file (corrupt or not the UCI archive).") from None
    with archive:
        members = {}
        for info in archive.infolist():
            parts = info.filename.replace("\\", "/").split("/")
            if info.is_dir() or "__MACOSX" in parts or parts[-1].startswith("._"):
                continue  # macOS resource forks ride along in the official zip
            if parts[-1] in (*SOURCES.values(), "readme.txt"):
                # The shallowest copy wins should the archive hold more than one.
                if parts[-1] not in members or len(parts) < members[parts[-1]][0]:
                    members[parts[-1]] = (len(parts), info)
        missing = [name for name in SOURCES.values() if name not in members]
        if missing:
            raise DataError(f"The zip from {url} lacks {', '.join(missing)}: not the UCI sentiment archive.")
        for name, (_, info) in members.items():
            if info.file_size > MAX_DOWNLOAD_BYTES:
                raise DataError(f"{name} in the zip from {url} is implausibly large ({info.file_size} bytes).")
            try:
                (into / name).write_bytes(archive.read(info))
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                raise DataError(f"Cannot unpack {name} from the zip downloaded from {url}: {error}") from None


def download_sentiment(destination=None, url: str | None = None, progress=None) -> Path:
    """Download the official zip into `destination` (default data/), unpack and validate it, and return the folder
    holding the three files. Nothing is left half-written: the zip and the files go to temporary names first
    and the folder is renamed into place only once every line has been checked."""
    destination = Path(destination) if destination is not None else DATA_DIR
    url = url or data_url()
    progress = progress or print_progress
    target = destination / ZIP_FOLDER
    with _download_lock:
        found, _ = files_in(destination)
        if found is not None:  # another session finished the same download while we waited
            return found
        try:
            destination.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(f"Cannot create {destination} to download the data into: {error}") from None
        unpacked = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=destination))
        zip_path = unpacked.with_name(unpacked.name + ".zip.part")
        try:
            try:
                with open(zip_path, "wb") as zip_file:
                    _fetch(url, zip_file, progress)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
                reason = getattr(error, "reason", None) or error
                raise DataError(
                    f"The data set was not found and could not be downloaded from {url} ({reason}).\n"
                    + _three_ways(url)
                ) from None
            _unpack(zip_path, url, unpacked)
            load_folder(unpacked)  # validates every line before anything is put in place
            try:
                os.replace(unpacked, target)  # atomic; succeeds over an empty folder of that name
            except OSError as error:
                raise DataError(f"Cannot move the unpacked data to {target}: {error}") from None
        finally:
            zip_path.unlink(missing_ok=True)
            shutil.rmtree(unpacked, ignore_errors=True)
    return target
