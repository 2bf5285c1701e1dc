/** The page's only stylesheet, inlined (CSP: style-src 'unsafe-inline'). */
export const STYLE = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#ffffff; --panel:#f6f8fa;
  --ok:#2f9e44; --empty:#96d2a6; --run:#1c7ed6; --stale:#f08c00; --fail:#e03131; --block:#8e7cc3; --miss:#e9ecef; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; justify-content:space-between;
  padding:10px 20px; border-bottom:1px solid var(--line); background:var(--panel); }
h1 { font-size:20px; margin:0; letter-spacing:.2px; } h1 span { font-weight:400; color:var(--muted); }
h2 { font-size:17px; margin:22px 0 10px; } h2 small, h3 small { font-weight:400; color:var(--muted); font-size:13px; }
h3 { font-size:14px; margin:4px 0 8px; }
main { padding:4px 20px 16px; max-width:1400px; }
footer { padding:10px 20px 20px; }
a { color:#0969da; }
.muted { color:var(--muted); } .small { font-size:12px; } .nowrap { white-space:nowrap; }
.sr { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
.auth { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin:0; }
.inline { display:inline; margin:0; }
input[type=password] { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:6px; width:190px; max-width:46vw; }
.btn { font:inherit; font-size:13px; padding:5px 11px; border:1px solid var(--line); border-radius:6px; background:#fff; color:var(--fg); cursor:pointer; white-space:nowrap; }
.btn.primary { background:#1f883d; border-color:#1a7f37; color:#fff; font-weight:600; }
.btn:disabled { background:var(--panel); color:var(--muted); border-style:dashed; cursor:not-allowed; font-weight:400; }
.notice { padding:8px 12px; border-radius:6px; margin:14px 0 0; border:1px solid; }
.notice.ok { background:#dafbe1; border-color:#4ac26b; } .notice.warn { background:#fff8c5; border-color:#d4a72c; }
.notice.error { background:#ffebe9; border-color:#ff8182; }
.legend { list-style:none; display:flex; flex-wrap:wrap; gap:4px 16px; padding:0; margin:0 0 10px; }
.legend li { display:flex; align-items:center; gap:5px; } .legend .cell { cursor:default; }
.cell { display:inline-block; width:13px; height:13px; border-radius:2px; background:var(--miss); border:1px solid rgba(0,0,0,.08); }
a.cell:hover, a.cell:focus { outline:2px solid var(--fg); outline-offset:1px; }
.cell.selected { outline:2px solid var(--fg); outline-offset:1px; }
.s-succeeded { background:var(--ok); } .s-empty { background:var(--empty); }
.s-running { background:var(--run); } .s-stale { background:var(--stale); } .s-failed { background:var(--fail); }
.s-blocked { background:var(--block); } .s-missing { background:var(--miss); border-color:#c4cbd2; }
.s-cancelled, .s-abandoned { background:#868e96; }
.grid-wrap { display:flex; flex-direction:column; gap:10px; }
.job-row { display:flex; gap:12px; align-items:flex-start; border-top:1px solid var(--line); padding-top:8px; }
.job-name { width:110px; flex:none; display:flex; flex-direction:column; } .job-name small { color:var(--muted); font-size:11px; }
.months { display:flex; flex-wrap:wrap; gap:6px 14px; min-width:0; }
.month { display:flex; flex-direction:column; gap:2px; }
.mlabel { font-size:11px; color:var(--muted); font-variant-numeric:tabular-nums; }
.dow { display:grid; grid-template-columns:repeat(7, 13px); gap:2px; font-size:9px; line-height:10px; color:var(--muted); text-align:center; }
.cells { display:grid; grid-template-columns:repeat(7, 13px); gap:2px; }
.cells .w2 { grid-column-start:2; } .cells .w3 { grid-column-start:3; } .cells .w4 { grid-column-start:4; }
.cells .w5 { grid-column-start:5; } .cells .w6 { grid-column-start:6; } .cells .w7 { grid-column-start:7; }
.table-wrap { overflow-x:auto; border:1px solid var(--line); border-radius:6px; }
table.runs { min-width:900px; } table.details { min-width:760px; } td.error { min-width:200px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--panel); font-weight:600; white-space:nowrap; } tr:last-child td { border-bottom:0; }
.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.error { color:#b42318; max-width:380px; overflow-wrap:anywhere; font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
td.runner { max-width:160px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.reason { font-size:12px; color:var(--muted); min-width:150px; }
.badge { display:inline-block; padding:0 7px; border-radius:10px; font-size:12px; line-height:19px; color:#fff; white-space:nowrap; }
.badge.s-empty, .badge.s-missing { color:var(--fg); }
.chart-row { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:flex-start; margin-top:14px; }
.charts { flex:1 1 560px; min-width:0; max-width:900px; }
.chart { margin:0 0 6px; } .chart svg { width:100%; height:auto; display:block; }
.chart .grid line { stroke:#eaeef2; stroke-width:1; }
.chart .axis line { stroke:#8c959f; stroke-width:1; }
.chart text { font-size:11px; fill:#57606a; font-family:inherit; } .chart text.title { font-size:12px; fill:var(--fg); }
.chart .band { fill-opacity:.18; stroke:none; } .chart .band-bar { stroke-opacity:.35; stroke-width:3; }
.chart .mean { fill:none; stroke-width:1.4; stroke-linejoin:round; }
.legend-note { font-size:12px; color:var(--muted); margin:0; }
.swatch { display:inline-block; width:16px; height:8px; vertical-align:middle; margin:0 3px 0 0; }
.swatch.line { height:2px; background:#57606a; } .swatch.band { background:#57606a; opacity:.2; margin-left:10px; }
aside { flex:0 1 240px; }
.daily { margin:0; display:grid; grid-template-columns:1fr; gap:8px; }
.daily div { border:1px solid var(--line); border-radius:6px; padding:6px 10px; background:var(--panel); }
.daily dt { font-size:12px; color:var(--muted); } .daily dd { margin:0; font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; }
.daily small { font-size:12px; font-weight:400; color:var(--muted); }
@media (max-width: 640px) {
  header, main, footer { padding-left:10px; padding-right:10px; }
  .job-row { flex-direction:column; gap:4px; } .job-name { width:auto; flex-direction:row; gap:8px; align-items:baseline; }
  /* Bigger cells for fingers. */
  .cells, .dow { grid-template-columns:repeat(7, 20px); gap:3px; } .months .cell { width:20px; height:20px; }
  aside { flex:1 1 100%; } .daily { grid-template-columns:1fr 1fr; }
  .daily dd { font-size:17px; }
  /* The charts scale down to about half: bigger text in SVG units, fewer hour labels. */
  .chart text { font-size:21px; } .chart text.title { font-size:22px; } .chart text.minor { display:none; }
  .chart .pts circle { r:2.6; } .chart .mean { stroke-width:2.2; }
}
`;
