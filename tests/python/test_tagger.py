"""edgebert.Tagger / Model / convert against the CLI (`edgebert tag`)."""

import numpy as np
import pytest

import edgebert
from conftest import run_cli

PRECISIONS = ["f32", "int8"]


@pytest.mark.parametrize("precision", PRECISIONS)
def test_list_matches_cli(models, corpus, cli_entities, precision):
    got = edgebert.Tagger(models[precision])(corpus[2])
    assert got == cli_entities[precision]
    assert sum(map(len, got)) > 0, "no entities at all: a useless comparison"


@pytest.mark.parametrize("precision", PRECISIONS)
def test_single_calls_match_cli(models, corpus, cli_entities, precision):
    tagger = edgebert.Tagger(edgebert.Model(models[precision]))
    texts = corpus[2][:200]
    assert [tagger(t) for t in texts] == cli_entities[precision][:200]
    assert [tagger(t.encode()) for t in texts[:50]] == \
        cli_entities[precision][:50]


@pytest.mark.parametrize("precision", PRECISIONS)
def test_threads_match_serial(models, corpus, cli_entities, precision):
    # The whole corpus for int8; f32 (~3x slower) on its first 200 texts.
    n = len(corpus[2]) if precision == "int8" else 200
    texts = corpus[2][:n]
    model = edgebert.Model(models[precision])
    tagger = edgebert.Tagger(model, threads=2)
    assert tagger(texts) == cli_entities[precision][:n]
    # Lists with fewer texts than threads, and iterables other than lists.
    assert tagger(texts[:1]) == cli_entities[precision][:1]
    assert tagger(iter(texts[:7])) == cli_entities[precision][:7]
    # One text: the tagger's own pool inside the encoder.
    assert [tagger(t) for t in texts[:50]] == cli_entities[precision][:50]


def test_tokens_match_cli(models, corpus):
    texts = corpus[2][:20]
    tagger = edgebert.Tagger(models["int8"], threads=2)
    for many in (False, True):
        got = tagger(texts, tokens=True) if many else \
            [tagger(t, tokens=True) for t in texts]
        for res, cli in zip(got, run_cli(models["int8"], texts, tokens=True)):
            assert res["entities"] == cli["entities"]
            assert len(res["tokens"]) == len(cli["tokens"])
            logits = res["logits"]
            assert logits.dtype == np.float32
            assert logits.shape == (len(cli["tokens"]), len(tagger.model.labels))
            for i, (t, c) in enumerate(zip(res["tokens"], cli["tokens"])):
                for key in ("id", "piece", "start", "end", "label"):
                    assert t[key] == c[key], key
                np.testing.assert_array_equal(
                    t["logits"], np.array(c["logits"], dtype=np.float32))
                np.testing.assert_array_equal(t["logits"], logits[i])


def test_info(models, corpus):
    for precision, path in models.items():
        model = edgebert.Model(path)
        info = model.info()
        assert info["precision"] == precision
        assert info["labels"] == model.labels and "O" in model.labels
        assert info["file_bytes"] == path.stat().st_size
        assert info["config"]["num_layers"] >= 1
        assert info["head"] == "linear" and info["tag_scheme"] == "BIO"
    assert models["int8"].stat().st_size < models["f32"].stat().st_size


def test_empty_inputs(models):
    tagger = edgebert.Tagger(models["int8"], threads=2)
    assert tagger("") == []
    assert tagger([]) == []
    assert tagger(["", " "]) == [[], []]
    assert tagger("", tokens=True)["logits"].shape == (0, len(tagger.model.labels))


def test_long_text_is_windowed(models, corpus):
    tagger = edgebert.Tagger(models["int8"], max_seq_len=16, stride=7)
    assert (tagger.max_seq_len, tagger.stride) == (16, 7)
    text = "".join(corpus[2][:10])
    whole = tagger(text)
    assert whole, "ten sentences without one entity"
    for e in whole:
        assert text[e["start"]:e["end"]] == e["word"]
        assert text.encode()[e["start_byte"]:e["end_byte"]] == e["word"].encode()


def test_bad_inputs_raise(models, tmp_path):
    with pytest.raises(edgebert.NotFoundError, match="no-such.ebm") as e:
        edgebert.Model(tmp_path / "no-such.ebm")
    assert isinstance(e.value, FileNotFoundError)
    truncated = tmp_path / "truncated.ebm"
    truncated.write_bytes(models["int8"].read_bytes()[:1000])
    with pytest.raises(edgebert.Error):
        edgebert.Model(truncated)
    garbage = tmp_path / "garbage.ebm"
    garbage.write_bytes(b"not a model at all" * 10)
    with pytest.raises(edgebert.Error):
        edgebert.Model(garbage)

    tagger = edgebert.Tagger(models["int8"], threads=2, max_text_bytes=64)
    with pytest.raises(edgebert.InvalidArgumentError, match="UTF-8") as e:
        tagger(b"abc\xff")
    assert isinstance(e.value, ValueError)
    with pytest.raises(edgebert.InvalidArgumentError, match=r"texts\[2\].*UTF-8"):
        tagger(["ok", "fine", b"\xc3(", "never reached"])
    with pytest.raises(edgebert.InvalidArgumentError, match="max_text_bytes"):
        tagger("x" * 65)
    with pytest.raises(UnicodeEncodeError):
        tagger("lone surrogate \udc80")
    with pytest.raises(TypeError, match="str or bytes"):
        tagger(123)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        tagger(["ok", 5])
    assert tagger("高勇") is not None  # still usable after errors

    with pytest.raises(edgebert.InvalidArgumentError, match="threads"):
        edgebert.Tagger(models["int8"], threads=0)
    with pytest.raises(edgebert.InvalidArgumentError, match="max_seq_len"):
        edgebert.Tagger(models["int8"], max_seq_len=2)
    with pytest.raises(edgebert.InvalidArgumentError, match="stride"):
        edgebert.Tagger(models["int8"], max_seq_len=16, stride=15)


def test_convert_errors(tmp_path, corpus):
    out = tmp_path / "out.ebm"
    with pytest.raises(edgebert.NotFoundError):
        edgebert.convert(tmp_path / "missing-dir", out, progress=False)
    with pytest.raises(edgebert.Error, match="precision"):
        edgebert.convert(corpus[1], out, precision="int4", progress=False)
    assert not out.exists()


def test_docstrings():
    for obj in (edgebert, edgebert.Model, edgebert.Model.info, edgebert.Tagger,
                edgebert.Tagger.__call__, edgebert.convert):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
    import pydoc
    text = pydoc.render_doc(edgebert.Tagger)
    assert "threads" in text and "entity_group" in text
