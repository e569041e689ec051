"""CSV for the people who open an answer in a spreadsheet (``?format=csv``): the view turns its JSON answer into a
header and rows (``csv_table(data)``); UTF-8 with a byte-order mark, so Excel reads Chinese text right. A cell
that a spreadsheet would take for a formula is prefixed with a quote."""
from __future__ import annotations

import csv
import io

from rest_framework.renderers import BaseRenderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        header, rows = view.csv_table(data)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[_cell(value) for value in row] for row in rows])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
