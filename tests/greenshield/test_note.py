"""Signed notes and checkpoints against published examples: the C2SP signed-note example (its verifier key and
note), and the golang.org/x/mod/sumdb/note example key and note (Ed25519 is deterministic, so signing the same
text with the same key must give the published signature byte for byte)."""
from __future__ import annotations

import base64

import pytest

from greenshield import merkle, note

# c2sp.org/signed-note, "Verifier keys" → "Example"
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n"
             "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
# golang.org/x/mod/sumdb/note package documentation
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + ("\n— PeterNeumann "
                     "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_the_spec_example_verifies():
    verifier = note.verifier_parse(SPEC_VKEY)
    assert verifier.name == "example.com/foo" and verifier.id.hex() == "530d903a"
    assert note.open_note(SPEC_NOTE, [verifier]) == "This is an example message.\n"
    assert verifier.encode() == SPEC_VKEY


def test_signing_reproduces_the_go_example_byte_for_byte():
    signer = note.signer_parse(GO_SKEY)
    assert signer.verifier.encode() == GO_VKEY
    assert signer.encode() == GO_SKEY
    assert note.sign(GO_TEXT, signer) == GO_NOTE
    assert note.open_note(GO_NOTE, [note.verifier_parse(GO_VKEY)]) == GO_TEXT


@pytest.mark.parametrize("tampered", [
    GO_NOTE.replace("problem,", "problem;"),
    GO_NOTE.replace("x08go", "x08gp"),
    GO_NOTE.replace("\n\n—", "\n—"),
    GO_NOTE[:-1],
    GO_NOTE.replace("— PeterNeumann", "- PeterNeumann"),
])
def test_a_changed_note_is_refused(tampered):
    with pytest.raises(note.NoteError):
        note.open_note(tampered, [note.verifier_parse(GO_VKEY)])


def test_a_note_of_an_unknown_key_is_refused_and_unknown_signatures_are_ignored():
    with pytest.raises(note.NoteError, match="no trusted key"):
        note.open_note(GO_NOTE, [note.verifier_parse(SPEC_VKEY)])
    other = note.signer_generate("example.com/witness")
    cosigned = GO_NOTE + note.sign(GO_TEXT, other).split("\n\n")[1]
    assert note.open_note(cosigned, [note.verifier_parse(GO_VKEY)]) == GO_TEXT
    # the same name with another key (a key-ID collision attempt) is another key: ignored, not trusted
    impostor = note.signer_generate("PeterNeumann")
    assert note.open_note(note.sign(GO_TEXT, impostor), [impostor.verifier]) == GO_TEXT
    with pytest.raises(note.NoteError):
        note.open_note(note.sign(GO_TEXT, impostor), [note.verifier_parse(GO_VKEY)])


def test_malformed_keys_are_refused():
    for bad in ("", "name+1234+AAA", SPEC_VKEY.replace("530d903a", "530d903b"), "bad name+530d903a+AekyeRrm56hA"):
        with pytest.raises(note.NoteError):
            note.verifier_parse(bad)
    with pytest.raises(note.NoteError):
        note.signer_parse(GO_SKEY.replace("c74f20a3", "c74f20a4"))


def test_a_checkpoint_round_trips_in_the_tlog_checkpoint_format():
    signer = note.signer_generate("greenshield.example/log")
    root = merkle.root_of([merkle.leaf_hash(b"link:" + b"a" * 64)])
    signed = note.checkpoint_sign(note.Checkpoint("greenshield.example/log", 1, root), signer)
    lines = signed.split("\n")
    assert lines[:3] == ["greenshield.example/log", "1", base64.b64encode(root).decode()]
    assert lines[3] == "" and lines[4].startswith("— greenshield.example/log ")
    assert note.checkpoint_open(signed, signer.verifier) == note.Checkpoint("greenshield.example/log", 1, root)
    with pytest.raises(note.NoteError):
        note.checkpoint_open(signed.replace("\n1\n", "\n2\n"), signer.verifier)


def test_the_published_checkpoint_example_parses():
    """c2sp.org/tlog-checkpoint's example body."""
    checkpoint = note.checkpoint_parse("example.com/behind-the-sofa\n20852163\n"
                                       "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    assert checkpoint.size == 20852163 and len(checkpoint.root) == 32
    for bad in ("o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "o\n1\nAAAA\n", "o\n1\n"):
        with pytest.raises(note.NoteError):
            note.checkpoint_parse(bad)
