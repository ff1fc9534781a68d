"""Colours and stylesheets of the app, for the light and the dark theme.

The theme is a set of CSS custom properties (``--pv-*``) defined on the page's root
element by :data:`GLOBAL_CSS` (injected by the bridge on the main thread). Custom
properties inherit through shadow roots, so every panel's own stylesheet
(:data:`PANEL_CSS`, :data:`WIDGET_CSS`) reads them, and switching theme is one
attribute on ``<html>``: ``data-pv-theme="dark"``. No request leaves the site.
"""

from __future__ import annotations

__all__ = [
    "CLASS_COLORS",
    "GLOBAL_CSS",
    "PANEL_CSS",
    "WIDGET_CSS",
    "class_color",
]

#: One colour per class (cycled), readable on both themes.
CLASS_COLORS = (
    "#4e79a7",
    "#e68a2e",
    "#59a14f",
    "#b07aa1",
    "#e15759",
    "#76b7b2",
    "#c9a227",
    "#9c755f",
    "#ff9da7",
    "#7f7f7f",
)


def class_color(class_index: int) -> str:
    """The colour of a class (gray for none, i.e. index < 0)."""
    if class_index < 0:
        return "#8a8f98"
    return CLASS_COLORS[class_index % len(CLASS_COLORS)]


_LIGHT = """
  --pv-page: #e9edf4;
  --pv-panel: #ffffff;
  --pv-sunken: #f3f5f9;
  --pv-text: #1c2333;
  --pv-muted: #5d6679;
  --pv-border: #d7dce6;
  --pv-accent: #2f6fdb;
  --pv-accent-soft: rgba(47, 111, 219, 0.14);
  --pv-on-accent: #ffffff;
  --pv-class-line: #2f6fdb;
  --pv-ood-line: #c9820e;
  --pv-clean-rgb: 47, 111, 219;
  --pv-issue-rgb: 214, 69, 69;
  --pv-issue: #c93b3b;
  --pv-ood: #c9820e;
  --pv-unconfident: #7a6bd1;
  --pv-warn-bg: #fff4d6;
  --pv-warn-text: #6b4a00;
  --pv-bar: #c5cfe0;
  --pv-shadow: 0 1px 3px rgba(20, 30, 60, 0.12);
  --pv-selected: #ff3d7f;
  color-scheme: light;
"""

_DARK = """
  --pv-page: #0f1320;
  --pv-panel: #1a2033;
  --pv-sunken: #141a2b;
  --pv-text: #e4e8f2;
  --pv-muted: #9aa4ba;
  --pv-border: #2c3550;
  --pv-accent: #7aa7ff;
  --pv-accent-soft: rgba(122, 167, 255, 0.16);
  --pv-on-accent: #0b1020;
  --pv-class-line: #7aa7ff;
  --pv-ood-line: #f0b44c;
  --pv-clean-rgb: 96, 148, 255;
  --pv-issue-rgb: 240, 96, 96;
  --pv-issue: #ff7b7b;
  --pv-ood: #f0b44c;
  --pv-unconfident: #b3a6ff;
  --pv-warn-bg: #3d3110;
  --pv-warn-text: #ffe3a1;
  --pv-bar: #3a4563;
  --pv-shadow: 0 1px 3px rgba(0, 0, 0, 0.5);
  --pv-selected: #ff5c93;
  color-scheme: dark;
"""

# Panel's widget stylesheets read these (falling back to its own --panel-* colours).
_PANEL_DESIGN = """
  --design-primary-color: var(--pv-accent);
  --design-primary-text-color: var(--pv-on-accent);
  --design-surface-color: var(--pv-sunken);
  --design-surface-text-color: var(--pv-text);
  --design-background-color: var(--pv-panel);
  --design-background-text-color: var(--pv-text);
"""

#: Injected once into the page's <head> (light DOM) by the bridge.
GLOBAL_CSS = f"""
:root {{{_LIGHT}{_PANEL_DESIGN}}}
:root[data-pv-theme="dark"] {{{_DARK}{_PANEL_DESIGN}}}
html, body {{ margin: 0; padding: 0; height: 100%; overflow: hidden;
  background: var(--pv-page); color: var(--pv-text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }}
#pv-busy {{ position: fixed; inset: 0; display: none; align-items: center; justify-content: center;
  background: rgba(10, 14, 25, 0.28); z-index: 1000; }}
:root.pv-busy #pv-busy {{ display: flex; }}
#pv-busy .pv-busy-card {{ background: var(--pv-panel); color: var(--pv-text); padding: 14px 20px;
  border-radius: 10px; box-shadow: 0 6px 24px rgba(0,0,0,.25); font-size: 14px;
  display: flex; gap: 12px; align-items: center; border: 1px solid var(--pv-border); }}
.pv-spinner {{ width: 18px; height: 18px; border-radius: 50%; border: 3px solid var(--pv-border);
  border-top-color: var(--pv-accent); animation: pv-spin .8s linear infinite; }}
@keyframes pv-spin {{ to {{ transform: rotate(360deg); }} }}
#pv-guide {{ position: fixed; inset: 0; z-index: 1001; display: none; pointer-events: none; }}
#pv-guide.pv-open {{ display: block; }}
#pv-guide .pv-guide-box {{ position: fixed; border: 3px solid var(--pv-selected);
  border-radius: 10px; box-shadow: 0 0 0 9999px rgba(8, 12, 24, 0.45); transition: all .2s ease; }}
#pv-guide .pv-guide-card {{ position: fixed; width: 300px; background: var(--pv-panel);
  color: var(--pv-text); border: 1px solid var(--pv-border); border-radius: 10px;
  padding: 12px 14px; box-shadow: 0 8px 28px rgba(0,0,0,.3); font-size: 13px; line-height: 1.45;
  pointer-events: auto; }}
#pv-guide h3 {{ margin: 0 0 6px; font-size: 14px; }}
#pv-guide .pv-guide-nav {{ display: flex; gap: 6px; justify-content: flex-end; margin-top: 10px;
  align-items: center; }}
#pv-guide .pv-guide-nav span {{ margin-right: auto; color: var(--pv-muted); font-size: 12px; }}
#pv-guide button {{ font: inherit; font-size: 12px; padding: 4px 10px; border-radius: 6px;
  border: 1px solid var(--pv-border); background: var(--pv-sunken); color: var(--pv-text);
  cursor: pointer; }}
#pv-guide button.pv-primary {{ background: var(--pv-accent); color: var(--pv-on-accent);
  border-color: transparent; }}
"""

#: Shared by every HTML pane (inside its shadow root).
PANEL_CSS = """
:host { contain: content; color: var(--pv-text, #1c2333); font-size: 12px; line-height: 1.35;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.pv-scroll { overflow: auto; }
.pv-title { font-size: 13px; font-weight: 650; letter-spacing: .01em;
  color: var(--pv-muted); display: flex; align-items: baseline; gap: 6px; white-space: nowrap; }
.pv-title b { color: var(--pv-text); font-weight: 700; }
.pv-title .pv-num { color: var(--pv-accent); }
.pv-count { font-weight: 600; color: var(--pv-text); text-transform: none; letter-spacing: 0; }
.pv-muted { color: var(--pv-muted); }
.pv-empty { color: var(--pv-muted); font-style: italic; padding: 4px 2px; }
.pv-warn { background: var(--pv-warn-bg); color: var(--pv-warn-text); border-radius: 6px;
  padding: 4px 7px; margin: 4px 0; font-size: 11.5px; }
.pv-error { background: rgba(var(--pv-issue-rgb), .14); color: var(--pv-issue); border-radius: 6px;
  padding: 4px 7px; margin: 4px 0; font-size: 11.5px; }
.pv-chip { display: inline-block; padding: 0 5px; border-radius: 4px; font-size: 10.5px;
  line-height: 15px; color: #fff; background: var(--c, #888); white-space: nowrap;
  max-width: 100%; vertical-align: middle; }
.cut { overflow: hidden; text-overflow: ellipsis; }
.pv-chip.pv-outline { background: transparent; color: var(--c);
  box-shadow: inset 0 0 0 1px var(--c); }
.th { position: relative; display: inline-flex; align-items: center; justify-content: center;
  flex: none; background: var(--c, #888); color: #fff; cursor: pointer;
  vertical-align: top; box-sizing: border-box; }
.th img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover;
  border-radius: inherit; }
.th img::after { content: attr(data-ph); position: absolute; inset: 0; display: flex;
  align-items: center; justify-content: center; background: var(--c, #888); color: #fff;
  font: 600 9px/1 ui-monospace, SFMono-Regular, Menlo, monospace; border-radius: inherit; }
.th.xs img::after, .th.xxs img::after { content: ""; }
.th.lg img::after { font-size: 13px; }
.th .ph { font: 600 9px/1 ui-monospace, SFMono-Regular, Menlo, monospace;
  pointer-events: none; max-width: 100%; }
.th.sel { outline: 3px solid var(--pv-selected); outline-offset: 1px; z-index: 1; }
.th.xs { width: 18px; height: 18px; border-radius: 50%; margin: 1px; }
.th.xxs { width: 13px; height: 13px; border-radius: 50%; margin: 1px; }
.th.sm { width: 34px; height: 34px; border-radius: 5px; }
.th.md { width: 52px; height: 52px; border-radius: 6px; }
.th.lg { width: 96px; height: 96px; border-radius: 8px; }
.th.lg .ph { font-size: 13px; }
.th:hover { filter: brightness(1.08); }
"""

#: Restyles Bokeh / Panel widgets (inside their shadow roots) with the theme's colours.
WIDGET_CSS = """
:host { --pv-w-font: 12px; }
.bk-input, select.bk-input, .bk-input-group .bk-input { background-color: var(--pv-sunken, #fff);
  color: var(--pv-text, #111); border: 1px solid var(--pv-border, #ccc);
  font-size: var(--pv-w-font); min-height: 26px; height: 26px; padding: 0 6px;
  border-radius: 6px; }
select.bk-input option { background: var(--pv-panel, #fff); color: var(--pv-text, #111); }
label, .bk-input-group > label { color: var(--pv-muted, #555); font-size: 11.5px; }
.bk-btn, :host(.solid) .bk-btn.bk-btn-default, .bk-btn-group .bk-btn.bk-btn-default {
  font-size: var(--pv-w-font); padding: 3px 9px; border-radius: 6px; min-height: 26px;
  background: var(--pv-sunken, #f4f4f4); color: var(--pv-text, #111);
  border: 1px solid var(--pv-border, #ccc); box-shadow: none; }
:host(.solid) .bk-btn.bk-btn-default:hover { background: var(--pv-accent-soft, #eef); }
:host(.solid) .bk-btn-group .bk-btn.bk-btn-default.bk-active,
:host(.solid) .bk-btn.bk-btn-default.bk-active {
  background: var(--pv-accent, #2f6fdb); color: var(--pv-on-accent, #fff);
  border-color: var(--pv-accent, #2f6fdb);
  box-shadow: none; }
:host(.solid) .bk-btn.bk-btn-primary { background: var(--pv-accent, #2f6fdb);
  color: var(--pv-on-accent, #fff);
  border-color: transparent; font-weight: 600; }
.bk-btn.bk-btn-primary:hover { filter: brightness(1.08); }
.bk-btn:disabled, .bk-btn[disabled], .bk-input:disabled { opacity: .5; }
.bk-slider-title { color: var(--pv-text, #111); font-size: 12px; }
.bk-slider-value { font-weight: 700; }
.noUi-target { background: var(--pv-bar, #ddd); border: none; box-shadow: none; }
.noUi-connect { background: var(--pv-slider-color, var(--pv-accent, #2f6fdb)); }
.noUi-handle { background: var(--pv-panel, #fff); border: 2px solid var(--pv-slider-color,
  var(--pv-accent, #2f6fdb)); box-shadow: var(--pv-shadow); }
.noUi-handle:focus, .noUi-handle:focus-visible { outline: 2px solid var(--pv-selected, #f39);
  outline-offset: 2px; }
"""
