// Run in the app's own frame (Playwright's evaluate): how the page fits the space it has.
// Returns {width, height, scrolls, scrollsSideways, joint, classSlider, oodSlider,
// smallestFont, smallFonts, smallTargets, cutControls}: rectangles as {x, y, w, h, inView},
// the smallest visible font size (px), a few examples of text under 12 px and of click
// targets under 24 px, and the visible controls whose own text is cut (wider than they are).
() => {
  const all = (node, found = []) => {
    for (const el of node.querySelectorAll("*")) {
      found.push(el);
      if (el.shadowRoot) all(el.shadowRoot, found);
    }
    return found;
  };
  const elements = all(document);
  const W = innerWidth, H = innerHeight;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return null;
    if (r.right <= 0 || r.bottom <= 0 || r.left >= W || r.top >= H) return null;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) return null;
    return r;
  };
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width),
             h: Math.round(r.height),
             inView: r.width > 0 && r.left >= -1 && r.top >= -1 && r.right <= W + 1 &&
                     r.bottom <= H + 1 };
  };
  const hook = (name) => elements.find((el) => el.dataset && el.dataset.pv === name) || null;
  const fonts = [];
  for (const el of elements) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.nodeValue.trim());
    if (!own || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    fonts.push([size, (el.textContent || "").trim().slice(0, 30)]);
  }
  fonts.sort((a, b) => a[0] - b[0]);
  // (a map's dots are smaller: WCAG 2.5.8's "equivalent" exception holds, as the dataset's
  // tiles select the same items; a tap beside a dot also selects the nearest one)
  const interactive = elements.filter((el) => el.matches(
    "button, select, input, a[href], [role=button], [role=option], [role=tab], [data-pv-tile]")
    && !el.matches(".pv-dot"));
  const small = [];
  for (const el of interactive) {
    const r = visible(el);
    if (r && (r.width < 24 || r.height < 24)) {
      small.push([Math.round(r.width), Math.round(r.height),
                  el.tagName + "." + String(el.className).slice(0, 30)]);
    }
  }
  const cut = interactive.filter((el) => !el.matches("[data-pv-tile]") && visible(el) &&
    el.scrollWidth > el.clientWidth + 1).map((el) => (el.textContent || "").trim().slice(0, 30));
  const scroller = document.scrollingElement;
  return {
    width: W, height: H,
    scrolls: scroller.scrollHeight > H + 1 || scroller.scrollWidth > W + 1,
    scrollsSideways: scroller.scrollWidth > W + 1,
    joint: box(hook("joint")),
    classSlider: box(hook("class-slider")),
    oodSlider: box(hook("ood-slider")),
    smallestFont: fonts.length ? fonts[0][0] : null,
    smallFonts: fonts.filter((f) => f[0] < 12).slice(0, 5),
    smallTargets: small.length,
    smallTargetExamples: small.slice(0, 5),
    cutControls: cut,
  };
}
