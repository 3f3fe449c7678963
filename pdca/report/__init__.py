"""The yearly inspection report (点検報告書): what it shows (`selectors`), its charts as plain
geometry for the templates (`charts`), the PDF rendering (`pdf`) and the published editions
(`services`). The HTML itself is written by templates under `templates/pdca/report/`."""
