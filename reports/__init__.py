"""Report builders and their HTML templates for xhtml2pdf (the reports issue fills this)."""
