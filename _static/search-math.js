// Search snippets are cut from a page's HTML before MathJax typesets it, so its math shows as raw TeX
// ("\(L\)"). Strip the delimiters (and the backslash of a TeX command) from every snippet Sphinx makes.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function" || Search.htmlToText.bookMath) return;
  const toText = Search.htmlToText;
  Search.htmlToText = function (html, anchor) {
    return toText.call(this, html, anchor)
      .replace(/\\\(\s*([\s\S]*?)\s*\\\)/g, "$1")
      .replace(/\\\[\s*([\s\S]*?)\s*\\\]/g, "$1")
      .replace(/\\([A-Za-z]+)/g, "$1");
  };
  Search.htmlToText.bookMath = true;
});
