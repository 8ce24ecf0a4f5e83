"""The PDF foundation: embedded Roboto, the confined resource policy, errors, dates."""
from __future__ import annotations

import datetime as dt

import pytest
from xhtml2pdf.config.resources import PERMISSIVE_POLICY, ResourceAccessPolicy

import reports.pdf as pdf
from reports.credentials import Slip, credential_slips_pdf
from reports.staff_card import StaffCard, staff_card_pdf

from .helpers import assert_roboto_only, flat, text


def test_format_date_prints_day_month_year():
    assert pdf.format_date(dt.date(2026, 9, 1)) == "01.09.2026"
    assert pdf.format_date(None) == ""


def test_font_faces_declare_four_roboto_files_in_the_font_folder():
    faces = pdf.font_faces()
    assert {(f["weight"], f["style"]) for f in faces} == {
        ("normal", "normal"), ("bold", "normal"), ("normal", "italic"), ("bold", "italic")}
    assert all(f["src"].startswith(pdf.FONT_DIR.as_posix()) and f["src"].endswith(".ttf") for f in faces)


def test_the_policy_reads_only_the_font_folder_and_no_network():
    policy = pdf._policy()
    assert policy is not PERMISSIVE_POLICY
    assert policy.allow_remote is False
    assert not policy.allow_local_outside_base
    assert policy.roots == (pdf.FONT_DIR,)


def test_templates_use_only_the_embedded_family():
    html = pdf.render_html("staff_card.html", school_name="Ш", card=StaffCard("Иванов"), printed_on="")
    families = {line.split(":", 1)[1].strip(" ;") for line in html.splitlines() if "font-family" in line}
    assert families == {pdf.FONT_FAMILY}


def test_user_text_is_escaped(pdf_ctx):
    html = pdf.render_html("staff_card.html", school_name="<i>Школа</i>", card=StaffCard("<b>Иванов</b> & Co"),
                           printed_on="")
    assert "&lt;b&gt;Иванов&lt;/b&gt; &amp; Co" in html
    assert "<i>Школа</i>" not in html
    # and the documents drawn directly print user text as it is, not as markup
    slip = Slip("<b>Иванов</b> & Co", "5А", "Ученик", "ivanov", "p<&>w")
    printed = flat(text(credential_slips_pdf("<i>Школа</i>", "x", [slip])))
    assert "<b>Иванов</b> & Co" in printed and "p<&>w" in printed


def test_a_font_that_cannot_load_is_an_error(pdf_ctx, monkeypatch, tmp_path):
    # A policy confined elsewhere refuses the font files: Cyrillic would print as boxes.
    monkeypatch.setattr(pdf, "_policy", lambda: ResourceAccessPolicy(allow_remote=False, base_dir=tmp_path))
    with pytest.raises(pdf.PdfError, match="could not read"):
        staff_card_pdf("Школа", StaffCard("Иванов"), "01.09.2026")


def test_a_character_roboto_lacks_does_not_stop_the_print(pdf_ctx):
    data = credential_slips_pdf("Школа", "x", [Slip("Иванов ✓", "5А", "Ученик", "a", "b")])
    assert "Иванов" in text(data)


def test_pdfs_name_no_helvetica(pdf_ctx):
    assert_roboto_only(credential_slips_pdf("Школа", "x", [Slip("Иванов", "5А", "Ученик", "a", "b")]))
    assert_roboto_only(staff_card_pdf("Школа", StaffCard("Иванов"), "01.09.2026"))
