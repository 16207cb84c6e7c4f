"""How the summary forms print (issue #18): 附件1 and 附件2 of Hangzhou, generated as the export
endpoint generates them, converted to PDF by LibreOffice headless (`soffice --convert-to pdf`, as
an official would print them) and read back with poppler (`pdfinfo`, `pdftotext`): the page
count, whether the header row repeats on every page, whether every page carries the
“第 n 页，共 m 页” footer, and the median height of the table's text in points.

Not part of `make test` or `make bench` (LibreOffice is a large install): `make bench-print`
installs Debian's libreoffice-calc-nogui when soffice is missing and runs
`python -m bench.print_forms [--scale small|province]`. The openpyxl page-setup values these
depend on are asserted in the suite (tests/test_forms.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Context, write_results

REGION = "330100"
FORMS = ("future-factory-summary", "digital-project-summary")   # 附件1, 附件2
PAGE_BREAK = "\f"


def to_pdf(xlsx: Path, out_dir: Path) -> Path:
    """The PDF LibreOffice prints of `xlsx` (its own profile directory: no clash with a
    desktop session or a second run)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("soffice is missing: `make bench-print` installs Debian's libreoffice-calc-nogui")
    profile = out_dir / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), str(xlsx)], check=True, capture_output=True, timeout=300)
    return out_dir / (xlsx.stem + ".pdf")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext keeps the layout; pages end with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split(PAGE_BREAK)
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def text_heights(pdf: Path) -> list[float]:
    """Height in points of every word poppler finds (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [float(m.group(2)) - float(m.group(1))
            for m in re.finditer(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"', html)]


def check(store, form: str, out_dir: Path) -> dict:
    from graphsvc.programmes import forms, reports

    data = reports.form_data(store, form, REGION, reports.default_year(form))
    xlsx = out_dir / f"{forms.FORMS[form]['attachment']}.xlsx"
    xlsx.write_bytes(reports.export_bytes(data, filled_on=dt.date(2026, 1, 5)))
    pdf = to_pdf(xlsx, out_dir)
    pages = pdf_pages(pdf)
    n = page_count(pdf)
    # the header row as printed: its first three column titles on one line
    heads = [c["header"] for c in forms.FORMS[form]["columns"][:3]]
    with_header = sum(1 for p in pages if any(all(h in line for h in heads) for line in p.splitlines()))
    with_footer = sum(1 for i, p in enumerate(pages, 1) if f"第 {i} 页，共 {n} 页" in re.sub(r"\s+", " ", p))
    heights = text_heights(pdf)
    return {"form": form, "attachment": forms.FORMS[form]["attachment"], "rows": data["count"], "pages": n,
            "pages_with_header": with_header, "pages_with_footer": with_footer,
            "median_text_pt": round(statistics.median(heights), 1) if heights else None, "pdf": str(pdf)}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="small", help="demo scale of the graph the forms are filled from")
    ap.add_argument("--keep", type=Path, help="directory to keep the .xlsx and .pdf files in")
    args = ap.parse_args(argv)
    ctx = Context(args.scale)
    out = args.keep or Path(tempfile.mkdtemp(prefix="graphsvc-print-"))
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([shutil.which("soffice") or "soffice", "--version"], capture_output=True,
                             text=True).stdout.strip()
    rows = []
    try:
        for form in FORMS:
            r = check(ctx.store(), form, out)
            ok = r["pages"] > 1 and r["pages_with_header"] == r["pages"] == r["pages_with_footer"]
            print(f"{r['attachment']} ({r['form']}): {r['rows']} rows -> {r['pages']} pages; header row on "
                  f"{r['pages_with_header']}, footer on {r['pages_with_footer']}; median text height "
                  f"{r['median_text_pt']} pt; {'as expected' if ok else 'NOT as expected'}  {r['pdf']}")
            rows.append({"name": f"print {r['attachment']} pages", "dataset": f"{args.scale}: {r['rows']} rows",
                         "n": 1, "median": r["pages"], "p95": None, "unit": "pages",
                         "target": "several pages, header row and footer on each", **r, "soffice": version})
    finally:
        ctx.close()
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    write_results("print_forms", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
