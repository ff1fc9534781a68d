"""pyvizzy.files: sha256 digests and atomic writes."""

import hashlib
import os

import pytest

from pyvizzy.files import cache_dir, sha256_of, sha256_of_bytes, write_text_atomic


def test_file_digest_reads_in_chunks_and_matches_the_bytes_digest(tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)  # several chunks and a partial one
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_of(path) == sha256_of_bytes(data) == hashlib.sha256(data).hexdigest()


def test_atomic_write_creates_the_folder_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "new" / "file.json"
    write_text_atomic(path, "é\n")
    assert path.read_bytes() == "é\n".encode()
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in path.parent.iterdir()] == ["file.json"]


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "\udcff")  # a lone surrogate cannot be encoded as UTF-8
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_the_dataset_module_still_offers_the_atomic_write():
    from pyvizzy import dataset

    assert dataset.write_text_atomic is write_text_atomic


def test_cache_folders_sit_under_the_working_directory_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("PYVIZZY_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cache_dir("vizzy-demo") == tmp_path / ".cache" / "vizzy-demo"
    assert not (tmp_path / ".cache").exists()  # named, not created


def test_the_environment_variable_moves_every_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYVIZZY_CACHE_DIR", str(tmp_path / "caches"))
    assert cache_dir("weights") == tmp_path / "caches" / "weights"
    monkeypatch.setenv("PYVIZZY_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert cache_dir("weights") == tmp_path / ".cache" / "weights"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/abs"])
def test_a_cache_name_must_be_a_plain_folder_name(name):
    with pytest.raises(ValueError, match="plain folder name"):
        cache_dir(name)
