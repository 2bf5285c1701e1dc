/** The page's only stylesheet, inlined (CSP: style-src 'unsafe-inline'). */
export const STYLE = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#ffffff; --panel:#f6f8fa;
  /* Okabe–Ito: told apart by the common colour-vision deficiencies; each state also has a shape. */
  --ok:#009E73; --run:#56B4E9; --stale:#E69F00; --fail:#D55E00; --block:#CC79A7; --miss:#e4e4e4; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; justify-content:space-between;
  padding:8px 20px; border-bottom:1px solid var(--line); background:var(--panel); }
h1 { font-size:20px; margin:0; letter-spacing:.2px; } h1 span { font-weight:400; color:var(--muted); }
h2 { font-size:17px; margin:18px 0 8px; } h2 small, h3 small { font-weight:400; color:var(--muted); font-size:13px; }
h3 { font-size:14px; margin:4px 0 8px; }
main { padding:0 20px 16px; max-width:1400px; }
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
.legend { list-style:none; display:flex; flex-wrap:wrap; gap:4px 16px; padding:0; margin:0 0 6px; }
.legend li { display:flex; align-items:center; gap:5px; } .legend .cell { cursor:default; }
.cell { display:inline-block; width:13px; height:13px; border-radius:2px; background:var(--miss); }
a.cell:hover, a.cell:focus { outline:2px solid var(--fg); outline-offset:1px; }
.cell.selected { outline:2px solid var(--fg); outline-offset:1px; }
/* One shape per state: solid; cut corner; ring; dot; diagonal half; cross; bar; dashed outline. */
.s-succeeded { background:var(--ok); }
/* incomplete: a success with a turbine short: the solid square with its lower right corner cut. */
.s-incomplete { background:linear-gradient(135deg, var(--ok) 0 62%, #fff 62% 100%); box-shadow:inset 0 0 0 1px var(--ok); }
.s-empty { background:#fff; box-shadow:inset 0 0 0 2px var(--ok); }
.s-running { background:radial-gradient(circle, #fff 0 26%, transparent 30%), var(--run); }
.s-stale { background:linear-gradient(135deg, var(--stale) 0 50%, #f8dfa8 50% 100%); }
.s-failed { background:linear-gradient(45deg, transparent 41%, #fff 41% 59%, transparent 59%),
  linear-gradient(-45deg, transparent 41%, #fff 41% 59%, transparent 59%), var(--fail); }
.s-blocked { background:linear-gradient(transparent 36%, #fff 36% 64%, transparent 64%), var(--block); }
.s-missing { background:var(--miss); border:1px dashed #8c8c8c; }
.s-cancelled, .s-abandoned { background:#bbbbbb; }
.overview { display:flex; flex-wrap:wrap; gap:12px 32px; margin:4px 0 6px; }
.ojob { min-width:0; max-width:100%; overflow-x:auto; }
.ohead { font-size:13px; margin-bottom:2px; } .ohead small { color:var(--muted); font-size:11px; }
.mhead { display:grid; grid-template-columns:repeat(12, 35.33px); margin-left:38px; font-size:10px; line-height:12px; color:var(--muted); }
.yr { display:flex; align-items:flex-start; margin-top:2px; }
.ylabel { width:38px; flex:none; font-size:11px; line-height:11px; font-variant-numeric:tabular-nums; }
.ycells { display:grid; grid-template-rows:repeat(7, 7px); grid-auto-flow:column; grid-auto-columns:7px; gap:1px; }
.ycells a, .ycells i { display:block; width:7px; height:7px; }
.ycells a.s-empty { box-shadow:inset 0 0 0 1.5px var(--ok); }
.ycells a:hover, .ycells a:focus { outline:1px solid var(--fg); }
.ranges { display:flex; flex-wrap:wrap; gap:4px 12px; align-items:baseline; margin:10px 0 8px; font-size:13px; border-top:1px solid var(--line); padding-top:8px; }
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
.badge { display:inline-block; padding:0 7px; border-radius:10px; font-size:12px; line-height:19px; color:#000; white-space:nowrap; }
/* Badges carry their state in words: plain colours behind the text. */
.badge.s-failed { background:var(--fail); } .badge.s-running { background:var(--run); }
.badge.s-blocked { background:var(--block); } .badge.s-stale { background:var(--stale); }
.views { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:flex-start; margin-top:14px; }
.chart-view { flex:1 1 560px; min-width:0; max-width:900px; } .numbers-view { flex:0 1 240px; }
.view-error { color:#b42318; }
.run-filter { display:flex; flex-wrap:wrap; gap:6px 12px; align-items:center; margin:0 0 8px; font-size:13px; }
.run-filter select { font:inherit; padding:3px 4px; }
tr.folded td { background:var(--panel); color:var(--muted); }
.chart { margin:0 0 6px; } .chart svg { width:100%; height:auto; display:block; }
.chart .grid line { stroke:#eaeef2; stroke-width:1; }
.chart .axis line { stroke:#8c959f; stroke-width:1; }
.chart text { font-size:11px; fill:#57606a; font-family:inherit; } .chart text.title { font-size:12px; fill:var(--fg); }
.chart .band { fill-opacity:.18; stroke:none; } .chart .band-bar { stroke-opacity:.35; stroke-width:3; }
.chart .mean { fill:none; stroke-width:1.4; stroke-linejoin:round; }
.legend-note { font-size:12px; color:var(--muted); margin:0; }
.swatch { display:inline-block; width:16px; height:8px; vertical-align:middle; margin:0 3px 0 0; }
.swatch.line { height:2px; background:#57606a; } .swatch.band { background:#57606a; opacity:.2; margin-left:10px; }
.numbers { margin:0; display:grid; grid-template-columns:1fr; gap:8px; }
.numbers div { border:1px solid var(--line); border-radius:6px; padding:6px 10px; background:var(--panel); }
.numbers dt { font-size:12px; color:var(--muted); } .numbers dd { margin:0; font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; }
.numbers small { font-size:12px; font-weight:400; color:var(--muted); }
/* Turbine completeness: one colour per class, told apart by lightness too. */
.c-complete { background:var(--ok); fill:var(--ok); } .c-short { background:#9ad9c4; fill:#9ad9c4; }
.c-incomplete { background:var(--stale); fill:var(--stale); } .c-none { background:var(--fail); fill:var(--fail); }
.c-unknown { background:var(--block); fill:var(--block); }
.heatmaps { margin:4px 0 6px; } .heatmap-fig { margin:6px 0 10px; } .heatmap-fig figcaption { font-size:13px; }
svg.heatmap { width:100%; max-width:1000px; height:auto; display:block; }
svg.heatmap .hrow { fill:#f3f3f3; } svg.heatmap .mtick { stroke:#d0d7de; stroke-width:1; }
svg.heatmap text { font-size:10px; fill:#57606a; font-family:inherit; } svg.heatmap .tlabel { fill:var(--fg); }
svg.heatmap a:hover rect, svg.heatmap a:focus rect { stroke:var(--fg); stroke-width:1; }
svg.heatmap .hsel { fill:none; stroke:var(--fg); stroke-width:1.5; }
.chooser { display:flex; flex-wrap:wrap; gap:4px 10px; align-items:center; margin:12px 0 0; font-size:13px; }
.chooser a { display:inline-flex; align-items:center; gap:4px; padding:1px 6px; border:1px solid transparent; border-radius:6px; text-decoration:none; }
.chooser a.on { border-color:var(--fg); font-weight:600; color:var(--fg); } .chooser small { color:var(--muted); font-weight:400; }
.chooser .cell { width:10px; height:10px; }
@media (max-width: 640px) {
  header, main, footer { padding-left:10px; padding-right:10px; }
  .job-row { flex-direction:column; gap:4px; } .job-name { width:auto; flex-direction:row; gap:8px; align-items:baseline; }
  /* Bigger cells for fingers. */
  .cells, .dow { grid-template-columns:repeat(7, 20px); gap:3px; } .months .cell { width:20px; height:20px; }
  .numbers-view { flex:1 1 100%; } .numbers { grid-template-columns:1fr 1fr; }
  .numbers dd { font-size:17px; }
  /* The charts scale down to about half: bigger text in SVG units, fewer hour labels. */
  .chart text { font-size:21px; } .chart text.title { font-size:22px; } .chart text.minor { display:none; }
  .chart .pts circle { r:2.6; } .chart .mean { stroke-width:2.2; }
}
`;
