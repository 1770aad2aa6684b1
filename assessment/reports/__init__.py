"""Reports: server-side SVG charts and the PDF report."""
