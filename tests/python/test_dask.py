"""edgebert.dask.tag_bag on a LocalCluster with 2 worker processes."""

import pytest

import edgebert

dask_bag = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")
import edgebert.dask  # noqa: E402


def _models_loaded():
    import edgebert.dask as ebd
    return len(ebd._models)


def test_tag_bag_equals_serial(models, corpus, cli_entities):
    texts = corpus[2]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        bag = dask_bag.from_sequence(texts, npartitions=8)
        got = edgebert.dask.tag_bag(bag, str(models["int8"])).compute()
        assert got == cli_entities["int8"]
        # Once per worker process, whatever the number of partitions.
        loaded = client.run(_models_loaded)
        assert len(loaded) == 2 and set(loaded.values()) == {1}, loaded
        # Tagger options reach the workers' taggers (they change results).
        head = dask_bag.from_sequence(texts[:300], npartitions=4)
        small = edgebert.dask.tag_bag(head, str(models["int8"]), threads=2,
                                      max_seq_len=8, stride=1).compute()
    assert small == edgebert.Tagger(models["int8"], max_seq_len=8,
                                    stride=1)(texts[:300])
    assert small != cli_entities["int8"][:300]
