"""sources.folders: the scan folder and the .eml folder, on real files (sparse 2 GB file,
FIFO, symlinks, a file being written by another thread, undecodable names)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sources.folders import WAITING_NOTE, FolderError, eml_folder, scan_folder
from sources.limits import SourceLimits
from tests.test_sources_mail import EXE, PDF, PNG, message

OLD = dt.datetime(2022, 1, 15, 23, 30, tzinfo=ZoneInfo("Europe/Paris")).timestamp()


def put(path: Path, data: bytes, mtime: float = OLD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under root with its size, mtime and content hash (files)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = ""
            if p.is_file() and not p.is_symlink() and st.st_size < 10_000_000:
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            out[str(p)] = (st.st_size, st.st_mtime_ns, digest)
    return out


def by_name(files):  # type: ignore[no-untyped-def]
    return {f.name: f for f in files}


def test_scan_folder_takes_pdfs_and_images_and_reports_the_rest(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    put(scans / "2022-01-17" / "lot1.pdf", PDF)
    put(scans / "photo.png", PNG)
    put(scans / "faux.pdf", EXE)
    put(scans / "notes.txt", b"Bonjour, ceci est un texte")
    put(scans / "courriel.eml", message().as_bytes())
    put(scans / "vide.pdf", b"")
    put(scans / ".cache" / "x.pdf", PDF)  # hidden directory
    for name in (".hidden.pdf", "~$convention.docx", "lot2.pdf.part", "x.tmp", "Thumbs.db"):
        put(scans / name, PDF)
    before = snapshot(scans)

    files = scan_folder(scans, settle_seconds=5, tz="Europe/Paris")
    found = by_name(files)
    assert list(found) == sorted(found)
    assert set(found) == {
        "2022-01-17/lot1.pdf",
        "photo.png",
        "faux.pdf",
        "notes.txt",
        "courriel.eml",
        "vide.pdf",
    }
    pdf = found["2022-01-17/lot1.pdf"]
    assert (pdf.status, pdf.content_type, pdf.sha256) == (
        "ready",
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
    )
    assert pdf.size == len(PDF) and pdf.problem is None
    assert pdf.mtime == dt.datetime(2022, 1, 15, 23, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert pdf.mtime.utcoffset() == dt.timedelta(hours=1)
    assert (pdf.received_at, pdf.received_at_source) == (pdf.mtime, "file_time")
    assert pdf.read_bytes() == PDF
    assert found["photo.png"].content_type == "image/png"
    assert found["faux.pdf"].status == "problem"
    assert "n'est pas ce que son nom annonce : c'est un programme Windows" in str(
        found["faux.pdf"].problem
    )
    assert found["notes.txt"].problem == "ni un PDF ni une image : c'est un fichier texte"
    assert "message électronique" in str(found["courriel.eml"].problem)
    assert (found["vide.pdf"].status, found["vide.pdf"].problem) == ("problem", "fichier vide")
    assert found["vide.pdf"].sha256 is None
    assert snapshot(scans) == before  # nothing modified, added or removed


def test_seen_files_are_skipped_by_content_hash(tmp_path: Path) -> None:
    put(tmp_path / "a.pdf", PDF)
    put(tmp_path / "copie de a.pdf", PDF)  # same bytes, another name
    put(tmp_path / "b.png", PNG)
    known = {hashlib.sha256(PDF).hexdigest()}
    asked: list[str] = []

    def seen(sha: str) -> bool:
        asked.append(sha)
        return sha in known

    files = scan_folder(tmp_path, seen=seen, settle_seconds=0)
    assert [f.name for f in files] == ["b.png"]
    assert len(asked) == 3


def test_huge_sparse_file_is_refused_by_size_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "enorme.pdf"
    with open(big, "wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(2 * 1024**3)
    os.utime(big, (OLD, OLD))
    start = time.monotonic()
    [f] = scan_folder(tmp_path)
    assert time.monotonic() - start < 1.0  # 2 GB were not read
    assert f.status == "problem" and f.sha256 is None
    assert f.problem == "fichier trop volumineux (2,0 Go ; maximum 200 Mo) : non lu"
    with pytest.raises(FolderError, match="n'a pas été lu"):
        f.read_bytes()


def test_smaller_limit(tmp_path: Path) -> None:
    put(tmp_path / "a.pdf", PDF)
    [f] = scan_folder(tmp_path, limits=SourceLimits(max_file_bytes=len(PDF) - 1))
    assert f.status == "problem" and "trop volumineux" in str(f.problem)


def test_symlinks_fifos_and_broken_links(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    outside = put(tmp_path / "secret" / "passwd.pdf", PDF)
    put(root / "vrai.pdf", PNG)
    (root / "evasion.pdf").symlink_to(outside)
    (root / "dossier-externe").symlink_to(outside.parent, target_is_directory=True)
    (root / "interne.pdf").symlink_to(root / "vrai.pdf")
    (root / "casse.pdf").symlink_to(root / "absent.pdf")
    os.mkfifo(root / "tube.pdf")  # opening it would block: never opened
    files = scan_folder(root, settle_seconds=0)
    assert [f.name for f in files] == ["interne.pdf", "vrai.pdf"]
    assert all(f.status == "ready" for f in files)


def test_young_file_waits_for_the_next_run(tmp_path: Path) -> None:
    put(tmp_path / "ancien.pdf", PDF)
    put(tmp_path / "en-cours.pdf", PDF[:100], mtime=time.time())
    put(tmp_path / "vide-en-cours.pdf", b"", mtime=time.time())
    found = by_name(scan_folder(tmp_path, settle_seconds=30))
    assert found["ancien.pdf"].status == "ready"
    for name in ("en-cours.pdf", "vide-en-cours.pdf"):
        assert found[name].status == "waiting" and found[name].sha256 is None
        assert found[name].notes == (WAITING_NOTE,)
    # once settled, it is read
    os.utime(tmp_path / "en-cours.pdf", (OLD, OLD))
    assert by_name(scan_folder(tmp_path, settle_seconds=30))["en-cours.pdf"].status == "ready"


def test_file_growing_while_read_waits(tmp_path: Path) -> None:
    path = put(tmp_path / "scanner.pdf", PDF + b"\n" * (16 * 1024 * 1024))
    stop = threading.Event()
    started = threading.Event()

    def writer() -> None:
        with open(path, "ab") as fh:
            while not stop.is_set():
                fh.write(b"\n" * 4096)
                fh.flush()
                started.set()
                time.sleep(0.0005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        started.wait(5)
        [f] = scan_folder(tmp_path, settle_seconds=0)
    finally:
        stop.set()
        thread.join()
    assert f.status == "waiting" and f.sha256 is None
    [f] = scan_folder(tmp_path, settle_seconds=0)  # the writer is done
    assert f.status == "ready"


def test_read_bytes_detects_a_changed_file(tmp_path: Path) -> None:
    path = put(tmp_path / "a.pdf", PDF)
    [f] = scan_folder(tmp_path)
    put(path, PDF + b"% changed\n")
    with pytest.raises(FolderError, match="a changé"):
        f.read_bytes()
    path.unlink()
    with pytest.raises(FolderError, match="ne peut plus être lu"):
        f.read_bytes()


def test_odd_file_names_are_printable(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    raws = (b"D\xe9lib\xe9ration.pdf", b"conv\x1bention\x07.pdf", "Délibération n°2.pdf".encode())
    for raw in raws:
        path = os.path.join(root, raw)
        with open(path, "wb") as fh:
            fh.write(PDF)
        os.utime(path, (OLD, OLD))
    names = [f.name for f in scan_folder(tmp_path)]
    assert names == ["Délibération n°2.pdf", "Délibération.pdf", "convention.pdf"]
    origin = scan_folder(tmp_path)[0].origin_ref
    assert origin == f"Délibération n°2.pdf#{hashlib.sha256(PDF).hexdigest()}"


def test_future_modification_time_is_noted(tmp_path: Path) -> None:
    future = time.time() + 86400 * 30
    put(tmp_path / "a.pdf", PDF, mtime=future)
    [f] = scan_folder(tmp_path, settle_seconds=30)
    assert f.status == "ready"
    assert f.notes == ("la date de modification du fichier est dans le futur : à vérifier",)


def test_missing_or_unreadable_folders(tmp_path: Path) -> None:
    with pytest.raises(FolderError, match="introuvable"):
        scan_folder(tmp_path / "absent")
    put(tmp_path / "fichier.pdf", PDF)
    with pytest.raises(FolderError, match="n'est pas un dossier"):
        scan_folder(tmp_path / "fichier.pdf")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory")
def test_unreadable_subfolder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    locked = tmp_path / "verrouille"
    put(locked / "a.pdf", PDF)
    locked.chmod(0)
    try:
        [f] = scan_folder(tmp_path)
    finally:
        locked.chmod(0o755)
    assert f.problem == "dossier illisible (droits d'accès)"


# --------------------------------------------------------------------------- .eml folder


def test_eml_folder_receipt_times_and_problems(tmp_path: Path) -> None:
    put(tmp_path / "a.eml", message().as_bytes())
    only_date = message()
    del only_date["Received"]
    put(tmp_path / "b.EML", only_date.as_bytes())
    no_date = message()
    del no_date["Received"]
    del no_date["Date"]
    put(tmp_path / "c.eml", no_date.as_bytes())
    put(tmp_path / "pdf-renomme.eml", PDF)
    put(tmp_path / "outlook.msg", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    put(tmp_path / "scan.pdf", PDF)
    put(tmp_path / "vide.eml", b"")

    found = by_name(eml_folder(tmp_path, settle_seconds=0))
    paris = dt.timezone(dt.timedelta(hours=1))
    a = found["a.eml"]
    assert (a.status, a.content_type, a.received_at_source) == ("ready", "message/rfc822", "mail")
    assert a.received_at == dt.datetime(2022, 1, 15, 23, 30, tzinfo=paris)
    assert found["b.EML"].received_at == dt.datetime(2022, 1, 15, 23, 28, 11, tzinfo=paris)
    c = found["c.eml"]
    assert c.status == "ready" and c.received_at is None and c.received_at_source is None
    assert c.notes == ("date de réception introuvable (ni « Received » ni « Date ») : à saisir",)
    assert found["pdf-renomme.eml"].problem == (
        "ce n'est pas un message électronique : c'est un PDF"
    )
    assert "Outlook (.msg)" in str(found["outlook.msg"].problem)
    assert found["scan.pdf"].problem == "seuls les messages .eml sont lus dans ce dossier"
    assert found["vide.eml"].problem == "fichier vide"


def test_eml_folder_on_the_sample_corpus(tmp_path_factory: pytest.TempPathFactory) -> None:
    from samples import generate
    from sources.mail import parse_message

    out = tmp_path_factory.mktemp("corpus")
    manifest = generate(out, scans=False, scenarios=["ecollectivites_zip", "ecollectivites_email"])
    files = eml_folder(out / "mail", settle_seconds=0)
    mails = {p: t for p, t in manifest.files.items() if t.kind == "mail"}
    assert sorted(f"mail/{f.name}" for f in files) == sorted(mails)
    for f in files:
        truth = mails[f"mail/{f.name}"]
        assert f.status == "ready"
        assert f.received_at == dt.datetime.fromisoformat(str(truth.delivered_at))
        parsed = parse_message(f.read_bytes())
        assert parsed.usable
