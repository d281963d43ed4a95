"""The report document: what the report computes, before any rendering.

`analysis` builds the document (`build_report`: the store opened once, its rows priced once in
`priced_rows`, each section given that table); `reconcile` counts billed against estimated money;
`compare` splits the month-over-month change by driver. The measures are in `llmcost.measures.registry`
(SQL in `sql/`), the forecast in `llmcost.forecast` and `llmcost.scenarios`; `llmcost.report`
renders the document.
"""
