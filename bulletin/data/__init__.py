"""The data stage: the canonical trade and services files, read, validated and cached.

    trade      load_dataset(data_dir) -> Dataset; merge_trade(data_dir, rows) into the files
    selection  territory_rows(trade, territories, quarters), by binary search in the loaded rows
    quarters   "2017Q1": parsed, ordered, shifted
    reading    CSV files into columns of strings, fast when plain, exactly otherwise
    checks     values, duplicate keys, totals against their parts
    cache      the validated rows kept beside the data
    lock       the data folder's lock: an import writes alone, loads read together
    istat      ISTAT's downloads (SDMX-CSV 1.0 and 2.0, JSON-stat 2.0) into canonical rows (`bulletin data import`)
    fetch      the quarters the data lack, from an SDMX REST service (`bulletin data fetch`)
    provisional  which figures ISTAT flagged provisional
"""
from bulletin.data.quarters import parse_quarter, quarter_sort_key, shift_quarter
from bulletin.data.selection import territory_rows
from bulletin.data.trade import (TRADE_COLUMNS, Dataset, MergeReport, load_dataset, merge_trade, require_quarter,
                                 trade_files, write_trade_file)

__all__ = ["TRADE_COLUMNS", "Dataset", "MergeReport", "load_dataset", "merge_trade", "parse_quarter",
           "quarter_sort_key", "require_quarter", "shift_quarter", "territory_rows", "trade_files",
           "write_trade_file"]
