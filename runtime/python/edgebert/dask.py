"""Tagging a corpus with Dask: one model per worker process, order kept.

    >>> import dask.bag as db
    >>> from distributed import Client
    >>> import edgebert.dask
    >>> client = Client("tcp://scheduler-host:8786")   # or Client() locally
    >>> bag = db.read_text("corpus-*.txt").map(str.rstrip)
    >>> entities = edgebert.dask.tag_bag(bag, "/models/pd-tiny.ebm")
    >>> entities.take(1)

Each worker process loads the model once (a memory map: processes on one
host share its pages) and keeps one Tagger per worker thread. The model
path must be readable on every worker host.
"""

from __future__ import annotations

import os
import threading
from functools import partial
from typing import Any, Dict, List, Tuple

from . import Model, Tagger

__all__ = ["tag_bag", "tagger_for"]

_lock = threading.Lock()
_models: Dict[str, Model] = {}  # this process's models, by path.
_local = threading.local()  # this thread's taggers, by (path, options).


def tagger_for(model_path: str, **tagger_options: Any) -> Tagger:
    """This thread's Tagger for (model_path, options) in this process.

    The Model is loaded once per process and shared by its threads' Taggers
    (a Tagger is used by one thread at a time).
    """
    path = os.fspath(model_path)
    key: Tuple[Any, ...] = (path, tuple(sorted(tagger_options.items())))
    taggers = getattr(_local, "taggers", None)
    if taggers is None:
        taggers = _local.taggers = {}
    tagger = taggers.get(key)
    if tagger is None:
        with _lock:
            model = _models.get(path)
            if model is None:
                model = _models[path] = Model(path)
        tagger = taggers[key] = Tagger(model, **tagger_options)
    return tagger


def _tag_partition(texts: List[str], model_path: str, tokens: bool,
                   tagger_options: Dict[str, Any]) -> List[Any]:
    return tagger_for(model_path, **tagger_options)(list(texts),
                                                     tokens=tokens)


def tag_bag(bag: Any, model_path: str, tokens: bool = False,
            **tagger_options: Any) -> Any:
    """Tags every text of a dask Bag; returns a Bag of results, in order.

    Args:
        bag: a ``dask.bag.Bag`` of str (or UTF-8 bytes).
        model_path: the ``.ebm`` file, at this path on every worker.
        tokens: as :meth:`edgebert.Tagger.__call__`.
        **tagger_options: passed to :class:`edgebert.Tagger` (threads,
            max_seq_len, stride, max_text_bytes). ``threads`` > 1 splits
            each partition between that many threads of a worker.

    Returns:
        A Bag with one item per input text, in the input order: its list of
        entity dicts (or its tokens dict with ``tokens=True``).
    """
    fn = partial(_tag_partition, model_path=os.fspath(model_path),
                 tokens=tokens, tagger_options=dict(tagger_options))
    return bag.map_partitions(fn)
