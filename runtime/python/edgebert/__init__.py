"""edgebert: BERT token classification (NER) on CPUs, without torch.

    >>> import edgebert
    >>> tagger = edgebert.Tagger(edgebert.Model("model.ebm"), threads=2)
    >>> tagger("高勇：男，中国国籍")
    [{'entity_group': 'NAME', 'word': '高勇', 'start': 0, 'end': 2,
      'start_byte': 0, 'end_byte': 6, 'score': 0.99...}, ...]

Entities carry the Hugging Face NER pipeline's field names
(``aggregation_strategy="simple"``): ``entity_group``, ``word`` (the exact
substring of the input), ``start``/``end`` (code points, end exclusive) and
``score``, plus ``start_byte``/``end_byte`` (UTF-8 bytes), exactly as the
``edgebert tag`` command prints them.

Models (``.ebm``) are made by :func:`convert` (or ``edgebert-convert``).
Errors raise :class:`Error` subclasses carrying the runtime's message:
:class:`InvalidArgumentError` (also a ``ValueError``; e.g. invalid UTF-8 in
bytes input), :class:`NotFoundError` (also a ``FileNotFoundError``),
:class:`DataLossError` (corrupt or truncated model file), ...
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, List, Optional, Union

from ._edgebert import (  # noqa: F401  (re-exported)
    DataLossError,
    Error,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    UnimplementedError,
    _convert,
    _Model,
    _Tagger,
)

__all__ = [
    "Model", "Tagger", "convert", "Error", "InvalidArgumentError",
    "NotFoundError", "DataLossError", "FailedPreconditionError",
    "UnimplementedError", "ResourceExhaustedError", "InternalError",
]
__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]
Text = Union[str, bytes]


class Model:
    """An edgebert model file (``.ebm``), memory-mapped and validated.

    Immutable: share one Model between any number of Taggers and threads
    (and, through the page cache, between processes on one host).

    Args:
        path: the ``.ebm`` file.
        verify_checksum: also hash all tensor data (reads the whole file).

    Raises:
        NotFoundError: ``path`` does not exist.
        DataLossError: the file is truncated or corrupt.
    """

    __slots__ = ("path", "_model")

    def __init__(self, path: PathLike, verify_checksum: bool = False) -> None:
        self.path = os.fspath(path)
        self._model = _Model(self.path, verify_checksum)

    @property
    def labels(self) -> List[str]:
        """Label names by id, e.g. ``['O', 'B-PER', 'I-PER', ...]``."""
        return self._model.labels

    def info(self) -> dict:
        """The model's description, with ``edgebert info``'s key names.

        Keys: ``path``, ``file_bytes``, ``precision`` (``"int8"`` or
        ``"f32"``), ``config`` (num_layers, hidden_size, num_heads,
        intermediate_size, max_position_embeddings, type_vocab_size,
        vocab_size, max_seq_len, layer_norm_eps, activation), ``labels``,
        ``head`` and ``tag_scheme``.
        """
        info = {"path": self.path, "file_bytes": os.path.getsize(self.path)}
        info.update(json.loads(self._model.info_json()))
        return info

    def __repr__(self) -> str:
        return f"edgebert.Model({self.path!r})"


class Tagger:
    """Tags text with a Model: ``tagger(text)`` or ``tagger(list_of_texts)``.

    Args:
        model: a :class:`Model`, or the path of an ``.ebm`` file.
        threads: for one text, the threads of the encoder's GEMMs and
            attention; for a list, the texts are shared out between this
            many worker threads (one runtime tagger each, the GIL
            released), and results come back in input order.
        max_seq_len: window length in tokens incl. [CLS]/[SEP]; 0 = the
            model's. Longer text is tagged in overlapping windows.
        stride: tokens between window starts; 0 = half a window.
        max_text_bytes: longest accepted text (longer: InvalidArgumentError).

    A Tagger may be called from several Python threads; calls on one
    Tagger run one at a time. Use one Tagger per thread for parallel calls.
    """

    __slots__ = ("model", "_tagger")

    def __init__(self, model: Union[Model, PathLike], threads: int = 1,
                 max_seq_len: int = 0, stride: int = 0,
                 max_text_bytes: int = 1 << 20) -> None:
        if not isinstance(model, Model):
            model = Model(model)
        if threads < 1:
            raise InvalidArgumentError(f"threads must be >= 1, got {threads}")
        self.model = model
        self._tagger = _Tagger(model._model, threads, max_seq_len, stride,
                               max_text_bytes)

    def __call__(self, texts: Union[Text, Iterable[Text]],
                 tokens: bool = False) -> Any:
        """Tags one text (str or UTF-8 bytes) or an iterable of texts.

        Returns, for one text, its entities: a list of dicts with keys
        ``entity_group``, ``word``, ``start``, ``end`` (code points),
        ``start_byte``, ``end_byte`` and ``score`` (as the CLI's JSON);
        for an iterable, a list with one such list per text, in order.

        With ``tokens=True`` each text's result is instead a dict
        ``{"entities": [...], "tokens": [...], "logits": ndarray}``: one
        record per word piece (``id``, ``piece``, ``start``, ``end``,
        ``start_byte``, ``end_byte``, ``word``, ``label``, ``logits``) and
        the float32 logits as an array of shape (pieces, labels) whose rows
        are the tokens' ``logits``.

        Raises:
            InvalidArgumentError: invalid UTF-8 in bytes input, or a text
                longer than max_text_bytes (for a list, the message names
                the text's index).
            TypeError: a text is neither str nor bytes.
        """
        if isinstance(texts, (str, bytes, bytearray, memoryview)):
            return self._tagger.tag_one(texts, tokens)
        return self._tagger.tag_many(texts, tokens)

    @property
    def threads(self) -> int:
        """Worker threads (see the class docstring)."""
        return self._tagger.threads

    @property
    def max_seq_len(self) -> int:
        """The window length in tokens incl. [CLS]/[SEP] (resolved)."""
        return self._tagger.max_seq_len

    @property
    def stride(self) -> int:
        """Tokens between window starts (resolved)."""
        return self._tagger.stride

    @property
    def backend(self) -> str:
        """Highway target of the kernels and the GEMM backends in use."""
        return self._tagger.backend

    def __repr__(self) -> str:
        return (f"edgebert.Tagger({self.model!r}, threads={self.threads}, "
                f"max_seq_len={self.max_seq_len}, stride={self.stride})")


def convert(input_dir: PathLike, output: PathLike, precision: str = "int8",
            calibration: Optional[PathLike] = None, max_seq_len: int = 0,
            progress: bool = True) -> None:
    """Converts a Hugging Face BertForTokenClassification checkpoint.

    Same as ``edgebert-convert --input input_dir --output output``.

    Args:
        input_dir: directory with config.json, vocab.txt, model.safetensors.
        output: the ``.ebm`` file to write (replaced only on success).
        precision: ``"int8"`` (default) or ``"f32"``.
        calibration: int8 only: a text file (one sentence per line) or BIO
            file; enables SmoothQuant smoothing, GPTQ rounding and the
            fidelity measurement against f32.
        max_seq_len: window length the model is planned for; 0 =
            min(128, max_position_embeddings).
        progress: print progress and the int8 summary on stderr.

    Raises:
        NotFoundError: a missing directory, file or tensor.
        InvalidArgumentError, FailedPreconditionError, UnimplementedError,
        DataLossError: as the converter reports (the message names the
        problem); nothing is written then.
    """
    _convert(os.fspath(input_dir), os.fspath(output), precision,
             "" if calibration is None else os.fspath(calibration),
             max_seq_len, progress)
