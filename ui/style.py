"""The page's stylesheet: readable answers, source cards and notices, in light and dark themes."""

APP_CSS = """
.gradio-container { max-width: 1400px !important; width: 100%; margin: 0 auto; }
.answer, .passage, .sources-head, #question textarea {
  font-family: ui-sans-serif, system-ui, "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "PingFang SC", "Microsoft YaHei", sans-serif;
}
#title h1 { margin-bottom: 0.1em; }
#title p { margin-top: 0; color: var(--body-text-color-subdued); }
.answer p { margin: 0 0 0.6em 0; line-height: 1.6; }
.answer.pending p { color: var(--body-text-color-subdued); font-style: italic; }
a.cite {
  font-size: 0.78em; vertical-align: super; text-decoration: none; padding: 0 0.15em;
  color: var(--color-accent); font-weight: 600;
}
a.cite:hover { text-decoration: underline; }
.meta { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-top: 0.4em;
  font-size: 0.85em; color: var(--body-text-color-subdued); }
.badge { border-radius: 999px; padding: 0.1em 0.6em; border: 1px solid var(--border-color-primary); }
.badge.mode-llm { border-color: #8b5cf6; color: #8b5cf6; }
.badge.mode-extractive { border-color: #0ea5e9; color: #0284c7; }
.notice { border-radius: 6px; padding: 0.5em 0.75em; margin-top: 0.5em; font-size: 0.92em; }
.notice.abstained { background: rgba(245, 158, 11, 0.12); border-left: 4px solid #f59e0b; }
.notice.fallback { background: rgba(139, 92, 246, 0.10); border-left: 4px solid #8b5cf6; }
.notice.error { background: rgba(239, 68, 68, 0.10); border-left: 4px solid #ef4444; }
.notice.added { background: rgba(34, 197, 94, 0.12); border-left: 4px solid #22c55e; }
#add-status textarea { font-family: ui-monospace, Consolas, monospace; font-size: 0.85em; }
.sources-head { margin-bottom: 0.6em; }
.sources-head .asked { font-weight: 600; }
.sources-head .searched, .source-card .where, .source-card .reply-to, .source-card .source-file {
  font-size: 0.85em; color: var(--body-text-color-subdued);
}
.sources.empty { color: var(--body-text-color-subdued); padding: 1em 0; }
.source-card {
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 0.8em;
  margin-bottom: 0.7em; background: var(--block-background-fill); scroll-margin-top: 0.5em;
}
.source-card:target { outline: 2px solid var(--color-accent); }
.source-card header { font-size: 1em; }
.source-card .num { color: var(--color-accent); font-weight: 700; margin-right: 0.2em; }
.source-card .speaker { font-weight: 600; }
.source-card .role, .source-card .unnamed { color: var(--body-text-color-subdued); }
.source-card .reply-to { font-style: italic; }
.source-card .passage { margin-top: 0.4em; line-height: 1.6; white-space: normal; }
.source-card mark {
  background: rgba(250, 204, 21, 0.45); color: inherit; padding: 0 0.1em; border-radius: 2px;
}
.source-card details { margin-top: 0.4em; }
.source-card summary { cursor: pointer; font-size: 0.85em; color: var(--color-accent); }
.source-card .source-file { margin-top: 0.4em; }
details.earlier { margin-top: 0.8em; border-top: 1px dashed var(--border-color-primary); padding-top: 0.5em; }
details.earlier > summary { cursor: pointer; font-size: 0.85em; color: var(--body-text-color-subdued); }
"""
