// Plenary's only script. Pages work without it: every passage has a plain
// permalink. When the clipboard API is available the permalink also copies
// its full URL, and a live region announces the result to screen readers.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  var status = document.getElementById("copy-status");

  function announce(message) {
    if (status) {
      status.textContent = "";
      // A fresh text node makes screen readers repeat the same message.
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-copy-link]") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    var url = link.href;
    navigator.clipboard.writeText(url).then(function () {
      // The label is kept from the first click only: a second click while
      // the link says "Copied" would otherwise make that its label for good.
      if (!link.hasAttribute("data-label")) {
        link.setAttribute("data-label", link.textContent);
      }
      link.classList.add("copied");
      link.textContent = "Copied";
      announce("Link copied to the clipboard");
      // Each click restarts the wait, so the label does not come back
      // under the reader's eyes right after a second click.
      window.clearTimeout(link.plenaryRestore);
      link.plenaryRestore = window.setTimeout(function () {
        link.classList.remove("copied");
        link.textContent = link.getAttribute("data-label");
      }, 2000);
      // The address bar is left alone: changing its fragment without a
      // navigation would not move the :target highlight with it.
    }, function () {
      // Fall back to following the permalink, which still shows the URL.
      window.location.href = url;
    });
  });

  var links = document.querySelectorAll("a[data-copy-link]");
  for (var i = 0; i < links.length; i++) {
    links[i].setAttribute("title", "Copy a link to this passage");
  }
})();
