// pyvizzy's one-line embed, for a host page (a blog post). The host writes
//   <a class="pyvizzy-embed" href="https://HOST/PATH/index.html?dataset=digits&class=70&ood=5">
//     a line of text, or a picture of the figure (<img ... loading="lazy">)</a>
//   <script async src="https://HOST/PATH/embed.js"></script>
// and this script turns every a.pyvizzy-embed into the live app: a frame as wide as the
// column, whose height follows the app's {type: 'pyvizzy:resize', height} messages; the app
// is told the host window's height ({type: 'pyvizzy:host', viewportHeight}: the layout
// viewport's, which a phone's address bar coming and going does not change) and never asks
// for more. Options, as attributes of the link:
//   data-theme="auto|light|dark"  auto (the default) follows the reader's colour scheme;
//   data-start="visible|click"    visible (the default): the frame is made when the link comes
//                                 within a screen of the viewport; click: a Start button over
//                                 the poster makes it (over a plain box, with the link's text,
//                                 when the link holds no picture or its picture fails);
//   data-height="N"               a fixed height in CSS px (no resizing).
// Each embed on a page is its own frame. Without JavaScript the link and its poster remain.
(function () {
  "use strict";
  const HEIGHT = { least: 200, most: 4000, first: 650 };
  const THEMES = ["light", "dark"];
  const frames = [];

  function clampHeight(value) {
    return Math.min(Math.max(Math.round(value), HEIGHT.least), HEIGHT.most);
  }

  function windowHeight() {
    return document.documentElement.clientHeight || window.innerHeight;
  }

  function tellHost(entry) {
    const height = windowHeight();
    if (entry.toldViewport === height) return;
    entry.toldViewport = height;
    entry.frame.contentWindow.postMessage(
      { type: "pyvizzy:host", viewportHeight: height }, entry.origin);
  }

  // The frame in place of the link (or of its Start box).
  function start(link, holder) {
    const url = new URL(link.href, document.baseURI);
    const theme = link.dataset.theme;
    if (THEMES.includes(theme)) url.searchParams.set("theme", theme);
    const fixed = Number(link.dataset.height);
    const frame = document.createElement("iframe");
    frame.src = url.href;
    const image = link.querySelector("img");
    frame.title = (image && image.alt) || "Confident learning, interactive (pyvizzy)";
    frame.className = "pyvizzy-embed-frame";
    // (until the app says: the picture's height, if the link holds one)
    const shown = (image || holder).getBoundingClientRect().height;
    const height = fixed > 0 ? fixed
      : Math.min(shown >= HEIGHT.least ? shown : HEIGHT.first, windowHeight());
    frame.style.cssText = "display:block;width:100%;border:0;height:" + clampHeight(height) + "px";
    const entry = { frame: frame, origin: url.origin, fixed: fixed > 0, toldViewport: null };
    // (a frame loaded again, by the reader, has to be told again)
    frame.addEventListener("load", () => { entry.toldViewport = null; });
    frames.push(entry);
    const focused = holder.contains(document.activeElement);
    holder.replaceWith(frame);
    if (focused) frame.focus();  // the keyboard's place stays with the figure
  }

  // A Start button over the poster (data-start="click"), or over a plain box when there is
  // no picture to show.
  function startBox(link) {
    const box = document.createElement("div");
    box.className = "pyvizzy-embed-start";
    box.style.cssText = "position:relative;display:block";
    link.replaceWith(box);
    box.appendChild(link);
    const image = link.querySelector("img");
    const plain = () => {
      // (the picture's description, as the link's text)
      if (image) image.replaceWith(document.createTextNode(image.alt || "The live figure"));
      box.classList.add("pyvizzy-embed-plain");
      box.style.cssText = "position:relative;display:flex;align-items:flex-start;" +
        "min-height:320px;padding:16px;box-sizing:border-box;border:1px solid #8888;" +
        "border-radius:8px";
    };
    if (!image || (image.complete && image.naturalWidth === 0 && image.getAttribute("src"))) {
      plain();
    } else {
      image.addEventListener("error", plain, { once: true });
    }
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.pv = "start";
    button.textContent = "Start the live figure";
    button.style.cssText = "position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);" +
      "min-height:44px;padding:0 20px;border-radius:22px;border:0;font:600 16px/1 system-ui," +
      "sans-serif;background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 2px 8px #0004";
    button.addEventListener("click", () => start(link, box));
    box.appendChild(button);
  }

  window.addEventListener("message", (event) => {
    const entry = frames.find((item) => item.frame.contentWindow === event.source);
    const data = event.data;
    if (!entry || event.origin !== entry.origin || !data || data.type !== "pyvizzy:resize") {
      return;
    }
    if (!entry.fixed && Number.isFinite(data.height)) {
      entry.frame.style.height = clampHeight(data.height) + "px";
    }
    tellHost(entry);
  });
  window.addEventListener("resize", () => frames.forEach(tellHost));

  const near = "IntersectionObserver" in window ? new IntersectionObserver((seen) => {
    for (const item of seen) {
      if (item.isIntersecting) {
        near.unobserve(item.target);
        start(item.target, item.target);
      }
    }
  }, { rootMargin: "100% 0px" }) : null;

  function embed() {
    for (const link of document.querySelectorAll("a.pyvizzy-embed")) {
      if (link.dataset.pyvizzyEmbed) continue;
      link.dataset.pyvizzyEmbed = "1";
      if (link.dataset.start === "click") {
        startBox(link);
      } else if (near) {
        near.observe(link);
      } else {
        start(link, link);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", embed);
  } else {
    embed();
  }
})();
