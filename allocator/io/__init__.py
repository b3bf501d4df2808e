"""Reading and writing the tables of data contract v1 (CSV, Parquet, Excel), and the product's
small structured files (YAML, JSON, TOML), within limits.

- :mod:`~allocator.io.text`: cells as contract text (reading keeps every cell as text, so that
  validation can quote a bad value exactly as the user typed it);
- :mod:`~allocator.io.limits`: :class:`ReadLimits`, the most any parser may read, and
  :class:`CsvOptions`, a CSV file's delimiter and encoding;
- :mod:`~allocator.io.readers` and :mod:`~allocator.io.csvread`: :func:`read_table`, each format
  measured before it is parsed;
- :mod:`~allocator.io.structured`: :func:`load_yaml` and :func:`load_structured`, alias bombs
  and deep nesting refused before anything is built;
- :mod:`~allocator.io.safecsv`: spreadsheet-safe CSV (:func:`csv_text_safe`,
  :func:`write_csv_safe`), the one way the product writes CSV;
- :mod:`~allocator.io.writers`: :func:`write_table` (format by suffix) and
  :func:`write_instance`, which reads back through :func:`allocator.validation.load_instance`
  to an equal instance.
"""

from allocator.io.limits import CsvOptions, ReadLimits
from allocator.io.readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    Source,
    read_table,
)
from allocator.io.safecsv import (
    csv_text_safe,
    escape_cell,
    unescape_cell,
    write_csv_safe,
    write_text_atomic,
)
from allocator.io.structured import load_structured, load_yaml
from allocator.io.text import cell_text, frame_to_text, to_text
from allocator.io.writers import (
    BOOL_COLUMNS,
    TableFormat,
    table_format,
    write_instance,
    write_table,
)

__all__ = [
    "BOOL_COLUMNS",
    "CSV_SUFFIXES",
    "EXCEL_SUFFIXES",
    "PARQUET_SUFFIXES",
    "CsvOptions",
    "ReadLimits",
    "Source",
    "TableFormat",
    "cell_text",
    "csv_text_safe",
    "escape_cell",
    "frame_to_text",
    "load_structured",
    "load_yaml",
    "read_table",
    "table_format",
    "to_text",
    "unescape_cell",
    "write_csv_safe",
    "write_instance",
    "write_table",
    "write_text_atomic",
]
