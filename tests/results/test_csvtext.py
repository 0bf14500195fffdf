"""The fast CSV writer gives exactly the bytes ``DataFrame.to_csv`` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.results.csvtext import csv_text

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é-0')), max_size=6)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-7, 0.1])


@st.composite
def frames(draw):
    n = draw(st.integers(0, 6))
    cols = {}
    for k in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["int", "float", "str", "object", "bool"]))
        if kind == "int":
            cols[f"i{k}"] = draw(st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n))
        elif kind == "float":
            cols[f"f{k}"] = np.array(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=float)
        elif kind == "bool":
            cols[f"b{k}"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        else:
            values = draw(st.lists(TEXT | st.none(), min_size=n, max_size=n))
            dtype = "str" if kind == "str" else object
            cols[f"s,{k}" if draw(st.booleans()) else f"s{k}"] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(cols)


@settings(max_examples=300, deadline=None)
@given(frames(), st.booleans(), st.sampled_from([None, "%.6g", "%.3f"]))
def test_same_text_as_to_csv(df, header, float_format):
    want = df.to_csv(None, header=header, index=False, float_format=float_format)
    assert csv_text(df, header=header, float_format=float_format) == want


def test_a_column_of_mixed_objects_is_left_to_pandas():
    df = pd.DataFrame({"a": pd.Series(["x", 1, 2.5], dtype=object), "b": [1, 2, 3]})
    assert csv_text(df) == df.to_csv(None, index=False)


@pytest.mark.parametrize("header", [True, False])
def test_an_ensembles_tables_as_to_csv_writes_them(header):
    from model.config.loader import load_scenario
    from model.ensemble.memory import iter_runs, run_seeds
    from model.results.tables import build_tables
    from model.sim.compiled import compile_scenario

    c = compile_scenario(load_scenario("scenarios/baseline.yaml"))
    t = build_tables(c, list(iter_runs(c, run_seeds(7, 20), workers=1)))
    for df, kw in ((t.daily, {"float_format": "%.6g"}), (t.events, {}), (t.runs, {})):
        assert csv_text(df, header=header, **kw) == df.to_csv(
            None, header=header, index=False, **kw
        )


def test_the_daily_table_as_text_is_its_frame_as_to_csv_writes_it():
    """``Tables.daily_csv`` formats the runs' arrays without building the frame: same bytes."""
    from model.config.loader import load_scenario
    from model.ensemble.memory import iter_runs, run_seeds
    from model.results.tables import build_tables
    from model.sim.compiled import compile_scenario

    c = compile_scenario(load_scenario("scenarios/baseline.yaml"))
    results = list(iter_runs(c, run_seeds(3, 12), workers=1))
    for first in (0, 40):
        text = build_tables(c, results, first).daily_csv(header=first == 0)
        frame = build_tables(c, results, first).daily
        assert text == frame.to_csv(None, header=first == 0, index=False, float_format="%.6g")
    empty = build_tables(c, [])
    assert empty.daily_csv() == empty.daily.to_csv(None, index=False, float_format="%.6g")
