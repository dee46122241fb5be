"""What turns computations into the book; it imports only :mod:`varlib.core`.

* :mod:`~varlib.book.config`: chapter settings per profile, validated and frozen;
* :mod:`~varlib.book.results`: the cached call (``store.call``, ``store.map``), keyed by function, arguments and code;
* :mod:`~varlib.book.sweeps`: where a sweep's missing items run, in the chapter's process or as Ray tasks;
* :mod:`~varlib.book.report`: run summaries, resources, scorecards, glued numbers;
* :mod:`~varlib.book.pipeline`: papermill executes the chapters, Jupyter Book renders them;
* :mod:`~varlib.book.archive`: run archives for a lent GPU; :mod:`~varlib.book.bench`: benchmark records;
* :mod:`~varlib.book.plots`: the house style and the figures shared by chapters.
"""
from varlib.book.config import CHAPTERS, LENSES, PROFILES, Settings, chapter_settings, settings_from
from varlib.book.report import VERDICTS, glue, glue_all, phrase, resources, run_summary, scorecard
from varlib.book.results import CorruptResultWarning, ResultStore
from varlib.book.sweeps import EXECUTORS, SweepError

__all__ = ["CHAPTERS", "LENSES", "PROFILES", "Settings", "chapter_settings", "settings_from", "VERDICTS", "glue",
           "glue_all", "phrase", "resources", "run_summary", "scorecard", "CorruptResultWarning",
           "ResultStore", "EXECUTORS", "SweepError"]
