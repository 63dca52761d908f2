/* chainrule explorer: steps through explain(L)'s data over its graph's SVG.
 * No framework, no request. Every number shown is a string the Python side formatted; the
 * script only looks them up (and compares floats in practice mode). Text goes in with
 * textContent, never as HTML.
 *
 *   chainruleExplorer.mount(root, data, {svgElement | svg: text |
 *                                        dot: text, layout: dot => Promise of SVG text,
 *                                        keys: document | root (default)})
 *
 * Timeline: positions 0..F-1 are the forward steps (node p gets its value), F is "ready"
 * (data-step 0), F+k is backward step k (data-step k). The page opens at F. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function paren(s) { return s.charAt(0) === "-" ? "(" + s + ")" : s; }

  function mount(root, data, options) {
    options = options || {};
    var svg = options.svgElement || null;
    if (!svg && options.svg) {
      var holder = document.createElement("div");
      holder.innerHTML = options.svg;            // the layout's own SVG, not user text
      svg = holder.querySelector("svg");
    }
    if (svg) { build(root, data, svg, options); return Promise.resolve(root); }
    if (!options.layout || !options.dot)
      throw new Error("chainruleExplorer.mount: give svg, or dot and layout");
    return Promise.resolve(options.layout(options.dot)).then(function (text) {
      return mount(root, data, {svg: text, keys: options.keys});
    });
  }

  function build(root, data, svg, options) {
    var nodes = data.nodes, steps = data.steps, F = nodes.length, S = steps.length;
    var d = "∂" + data.out + "/∂";
    var state = {p: F, timer: null, practice: false, revealed: {}, feedback: {},
                 inspected: null};
    root.setAttribute("data-chainrule-explorer", "");
    root.setAttribute("data-steps", String(S));
    root.classList.add("cr-explorer");
    if (!root.hasAttribute("tabindex")) root.setAttribute("tabindex", "-1");

    // ---- the page's parts
    var outName = nodes[data.output].name;
    var title = el("h1", {text: "Backpropagation, step by step: " +
                                (data.out === outName ? outName : data.out + " = " + outName)});
    var buttons = {};
    function button(name, label, aria, handler) {
      buttons[name] = el("button", {type: "button", "aria-label": aria, text: label,
                                    name: name});
      buttons[name].addEventListener("click", handler);
      return buttons[name];
    }
    var slider = el("input", {type: "range", min: "0", max: String(F + S), step: "1",
                              "aria-label": "position in the forward and backward pass"});
    slider.addEventListener("input", function () { stop(); go(Number(slider.value)); });
    var position = el("span", {className: "cr-position", "aria-live": "polite"});
    var practiceBox = el("input", {type: "checkbox", name: "practice"});
    practiceBox.addEventListener("change", function () {
      state.practice = practiceBox.checked; state.revealed = {}; state.feedback = {};
      render();
    });
    var controls = el("div", {className: "cr-controls", role: "toolbar",
                              "aria-label": "step controls"}, [
      button("first", "« First", "first step (Home)", function () { stop(); go(0); }),
      button("previous", "◀ Previous", "previous step (left arrow)", function () { stop(); go(state.p - 1); }),
      button("play", "▶ Play", "play or pause (space)", function () { toggle(); }),
      button("next", "Next ▶", "next step (right arrow)", function () { stop(); go(state.p + 1); }),
      button("last", "Last »", "last step (End)", function () { stop(); go(F + S); }),
      slider, position,
      el("label", {}, [practiceBox, "Practice: type each gradient before it is shown"])]);
    var figure = el("figure", {className: "cr-graph", "aria-label": "computation graph"});
    figure.appendChild(svg);
    var panel = el("aside", {className: "cr-panel", "aria-live": "polite"});
    var inspect = el("div", {className: "cr-inspect", "aria-live": "polite"});
    var legend = el("p", {className: "cr-legend"});
    [["#d1f2d9", "input"], ["#cfe2ff", "parameter"], ["#e9ecef", "constant"],
     ["#ffe08a", "output"], ["#ffffff", "computed"]].forEach(function (k) {
      legend.appendChild(el("span", {}, [el("span", {className: "cr-swatch",
                                                     style: "background:" + k[0]}), k[1]]));
    });
    legend.appendChild(el("span", {text: "▼ thick outline: the node being processed; " +
                                         "+ dashed: receives a contribution now"}));
    var side = el("div", {}, [panel, inspect]);
    var table = buildTable();
    root.appendChild(title);
    root.appendChild(controls);
    root.appendChild(el("div", {className: "cr-body"}, [figure, side]));
    root.appendChild(legend);
    var tableBox = el("section", {className: "cr-table", "aria-label": "the explain table"},
                      [table.element]);
    root.appendChild(tableBox);

    // ---- the graph's elements, found by the ids graph_dot gave them
    var gNode = [], gOp = [], gGrad = [], gData = [], edges = {};
    nodes.forEach(function (n, i) {
      var g = svg.querySelector("#cr-v" + i);
      gNode.push(g); gOp.push(svg.querySelector("#cr-v" + i + "op"));
      var texts = g ? g.querySelectorAll("text") : [];
      gData.push(texts.length > 1 ? texts[1] : null);
      gGrad.push(texts.length > 2 ? texts[texts.length - 1] : null);
      if (!g) return;
      g.setAttribute("data-node", n.name);
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", n.name + (n.expr ? " = " + n.expr : " (" + n.kind + ")") +
                     ": show its local derivatives");
      var show = function () { state.inspected = i; markInspected(); renderInspect(); };
      g.addEventListener("click", show);
      g.addEventListener("mouseenter", show);
      g.addEventListener("focus", show);
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(); }
      });
    });
    steps.forEach(function (s) {
      s.terms.forEach(function (t) {
        var g = svg.querySelector("#" + t.edge);
        edges[t.edge] = {g: g, texts: g ? g.querySelectorAll("text") : []};
      });
    });
    svg.querySelectorAll("title").forEach(function (t) { t.remove(); });  // no tooltips "v3"
    var marker = document.createElementNS(SVGNS, "g");
    (svg.querySelector("g.graph") || svg).appendChild(marker);   // in the nodes' coordinates
    fit();
    if (window.ResizeObserver) new ResizeObserver(fit).observe(figure);
    else window.addEventListener("resize", fit);

    // Natural size when it fits; a bigger graph is shrunk to fit the figure, but never below
    // 60 % (the figure scrolls instead), so that the numbers stay readable.
    function fit() {
      var box = svg.viewBox && svg.viewBox.baseVal;
      var roomW = figure.clientWidth - 10, roomH = (window.innerHeight || 800) * 0.7 - 10;
      if (!box || !box.width || roomW <= 0) return;
      var w = box.width * 4 / 3, h = box.height * 4 / 3;     // Graphviz's pt in CSS px
      var scale = Math.min(1, Math.max(0.6, Math.min(roomW / w, roomH / h)));
      svg.style.width = (w * scale) + "px";
      svg.style.height = (h * scale) + "px";
    }

    function reveal(g) {                 // scroll the figure (only) so that g is in sight
      if (!g || !g.getBoundingClientRect) return;
      var r = g.getBoundingClientRect(), f = figure.getBoundingClientRect();
      if (r.top < f.top || r.bottom > f.bottom)
        figure.scrollTop += (r.top + r.bottom) / 2 - (f.top + f.bottom) / 2;
      if (r.left < f.left || r.right > f.right)
        figure.scrollLeft += (r.left + r.right) / 2 - (f.left + f.right) / 2;
    }

    function buildTable() {
      var head = el("tr", {}, data.header.map(function (h) { return el("th", {text: h}); }));
      var body = el("tbody");
      var rows = [];
      steps.forEach(function (s, k) {
        s.rows.forEach(function (cells, j) {
          var tr = el("tr", {"data-table-step": String(s.index)},
                      cells.map(function (c) { return el("td", {text: c}); }));
          body.appendChild(tr);
          rows.push({tr: tr, step: k, term: s.leaf ? null : s.terms[j], cells: cells});
        });
      });
      return {element: el("table", {}, [el("thead", {}, [head]), body]), rows: rows};
    }

    // ---- practice mode: a value's gradient stays hidden until it is answered or shown
    function hidden(i) { return state.practice && !state.revealed[i]; }

    // ---- moving
    function go(p) { state.p = Math.max(0, Math.min(F + S, p)); render(); }
    function stop() {
      if (state.timer) { clearInterval(state.timer); state.timer = null; }
      buttons.play.textContent = "▶ Play"; buttons.play.setAttribute("aria-pressed", "false");
    }
    function toggle() {
      if (state.timer) { stop(); return; }
      if (state.p >= F + S) go(0);
      buttons.play.textContent = "⏸ Pause"; buttons.play.setAttribute("aria-pressed", "true");
      state.timer = setInterval(function () {
        if (state.p >= F + S) { stop(); return; }
        go(state.p + 1);
      }, 1200);
    }
    var keys = options.keys || root;
    keys.addEventListener("keydown", function (ev) {
      var t = ev.target, tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      var own = tag === "textarea" || tag === "select" || (t && t.isContentEditable) ||
        (tag === "input" && !/^(checkbox|button|submit|reset)$/.test(t.type));
      if (ev.altKey || ev.ctrlKey || ev.metaKey || own) return;   // their own keys: text, slider
      if (keys !== root && !(t === document.body || t === document.documentElement ||
                             root.contains(t))) return;
      var moves = {ArrowRight: 1, ArrowLeft: -1};
      if (ev.key in moves) { stop(); go(state.p + moves[ev.key]); }
      else if (ev.key === "Home") { stop(); go(0); }
      else if (ev.key === "End") { stop(); go(F + S); }
      else if (ev.key === " " && tag !== "button" && !(t && t.getAttribute &&
                                                     t.getAttribute("role") === "button")) toggle();
      else return;
      ev.preventDefault();
    });

    // ---- what is known at position p
    function snapshot() {
      var k = Math.max(0, state.p - F);                 // backward steps done
      var totals = {}, ledger = {};
      if (k >= 1) totals[data.output] = data.seedText;
      for (var j = 0; j < k; j++) {
        steps[j].terms.forEach(function (t) {
          totals[t.input] = t.afterText;
          (ledger[t.input] = ledger[t.input] || []).push({step: j, term: t});
        });
      }
      return {k: k, totals: totals, ledger: ledger};
    }

    function render() {
      var now = snapshot(), k = now.k, p = state.p;
      var forward = p < F, current = forward ? p : (k >= 1 ? steps[k - 1].node : -1);
      var step = k >= 1 ? steps[k - 1] : null;
      root.setAttribute("data-step", String(k));
      root.setAttribute("data-phase", forward ? "forward" : k === 0 ? "ready" : "backward");
      slider.value = String(p);
      var where = forward ? "forward step " + (p + 1) + " of " + F :
        k === 0 ? "ready: backward step 0 of " + S : "backward step " + k + " of " + S;
      slider.setAttribute("aria-valuetext", where);
      position.textContent = where.charAt(0).toUpperCase() + where.slice(1);
      buttons.first.disabled = buttons.previous.disabled = p === 0;
      buttons.next.disabled = buttons.last.disabled = p === F + S;
      // the graph
      var receiving = {};
      if (step) step.terms.forEach(function (t) { receiving[t.input] = true; });
      nodes.forEach(function (n, i) {
        var g = gNode[i];
        if (!g) return;
        g.classList.toggle("current", i === current);
        g.classList.toggle("cr-receiving", !!receiving[i] && i !== current);
        g.classList.toggle("cr-pending", forward && i > p);
        if (gOp[i]) gOp[i].classList.toggle("cr-op-current", i === current && !forward);
        if (gData[i]) gData[i].textContent = "data " + (forward && i > p ? "·" : n.valueText);
        if (gGrad[i]) {
          var g2 = now.totals[i];
          gGrad[i].textContent = "grad " + (g2 === undefined ? "·" : hidden(i) ? "?" : g2);
        }
      });
      steps.forEach(function (s, j) {
        s.terms.forEach(function (t) {
          var e = edges[t.edge];
          if (!e.g) return;
          e.g.classList.toggle("cr-active", j === k - 1);
          e.g.classList.toggle("cr-done", j < k - 1);
          var label = hidden(t.input) ? "? × ? = ?" : t.label, cut = label.lastIndexOf(" = ");
          if (e.texts.length === 2) {                  // graph_dot's two lines: "a × b", "= c"
            e.texts[0].textContent = label.slice(0, cut);
            e.texts[1].textContent = label.slice(cut + 1);
          } else if (e.texts.length) e.texts[0].textContent = label;
        });
      });
      drawMarkers(current, forward ? {} : receiving);
      if (current >= 0) reveal(gNode[current]);
      // the table
      table.rows.forEach(function (r) {
        var s = steps[r.step];
        r.tr.className = r.step === k - 1 ? "cr-row-current" :
          r.step < k - 1 ? "cr-row-done" : "cr-row-todo";
        if (r.step === k - 1) r.tr.setAttribute("aria-current", "step");
        else r.tr.removeAttribute("aria-current");
        var cells = r.tr.children;
        cells[2].textContent = r.cells[2] && hidden(s.node) ? "?" : r.cells[2];
        [4, 5, 6].forEach(function (c) {
          cells[c].textContent = r.term && hidden(r.term.input) ? "?" : r.cells[c];
        });
      });
      var row = table.rows.filter(function (r) { return r.step === k - 1; })[0];
      if (row) keepInView(tableBox, row.tr);
      renderPanel(now, step, forward);
      renderInspect();
      markInspected();
    }

    function keepInView(box, tr) {    // scroll the table only, never the page around it
      var top = tr.offsetTop - tr.parentNode.parentNode.tHead.offsetHeight;
      if (top < box.scrollTop) box.scrollTop = top;
      else if (tr.offsetTop + tr.offsetHeight > box.scrollTop + box.clientHeight)
        box.scrollTop = tr.offsetTop + tr.offsetHeight - box.clientHeight;
    }

    function markInspected() {
      gNode.forEach(function (g, i) {
        if (g) g.classList.toggle("cr-inspected", i === state.inspected);
      });
    }

    function drawMarkers(current, receiving) {
      while (marker.firstChild) marker.removeChild(marker.firstChild);
      function badge(i, text) {
        var g = gNode[i];
        if (!g || !g.getBBox) return;
        var box = g.getBBox();
        var t = document.createElementNS(SVGNS, "text");
        t.setAttribute("class", "cr-marker");
        t.setAttribute("x", String(box.x + box.width / 2));
        t.setAttribute("y", String(box.y - 4));
        t.setAttribute("text-anchor", "middle");
        t.textContent = text;
        marker.appendChild(t);
      }
      if (current >= 0) badge(current, "▼ now");
      Object.keys(receiving).forEach(function (i) { if (Number(i) !== current) badge(Number(i), "+"); });
    }

    function line(parent, text, cls) {
      parent.appendChild(el("li", {className: "cr-math" + (cls ? " " + cls : ""), text: text}));
    }

    function renderPanel(now, step, forward) {
      while (panel.firstChild) panel.removeChild(panel.firstChild);
      var p = state.p, out = nodes[data.output];
      if (forward) {
        var n = nodes[p];
        panel.appendChild(el("h2", {text: "Forward step " + (p + 1) + " of " + F + ": " + n.name}));
        panel.appendChild(el("p", {className: "cr-math", text: n.op ?
          n.name + " = " + n.expr + " = " + n.numbers + " = " + n.valueText :
          n.name + " = " + n.valueText + " (" + n.kind + ")"}));
        return;
      }
      if (!step) {
        panel.appendChild(el("h2", {text: "Forward pass done: " + out.name + " = " + out.valueText}));
        panel.appendChild(el("p", {text: "Press → (Next) to start the backward pass from the " +
          "seed " + d + out.name + " = " + data.seedText + ". Click a node to see its local " +
          "derivatives."}));
        return;
      }
      var n2 = nodes[step.node];
      panel.appendChild(el("h2", {text: "Backward step " + step.index + " of " + S + ": " +
                                        n2.name + (n2.expr ? " = " + n2.expr : "")}));
      if (state.practice && !state.revealed[step.node]) quiz.ask(step);
      else {
        var g = d + n2.name + " = " + step.upstreamText;
        panel.appendChild(el("p", {className: "cr-math", text: step.leaf ?
          n2.name + " is a leaf: " + g + " is complete; backward() adds it to " + n2.name + ".grad" :
          g + (step.node === data.output ? " (the seed)" : " is complete: every use of " +
                                           n2.name + " has sent its contribution")}));
        if (state.feedback[step.index]) panel.appendChild(state.feedback[step.index]);
      }
      if (!step.leaf) {
        panel.appendChild(el("h3", {text: "Chain rule to each input"}));
        var ul = el("ul"), fanned = [];
        step.terms.forEach(function (t) {
          var secret = hidden(t.input) || hidden(step.node);
          line(ul, "to " + t.name + ": " + d + n2.name + " × " + t.named.split(" = ")[0] +
               " = " + (secret ? "? × ? = ?" : t.label) +
               (hidden(t.input) ? "" : ", so " + t.total), t.nth > 1 ? "cr-fanout" : "");
          if (t.nth > 1 && fanned.indexOf(t.name) < 0) fanned.push(t.name);
        });
        panel.appendChild(ul);
        fanned.forEach(function (name) {
          panel.appendChild(el("p", {className: "cr-fanout", text: name + " is used more " +
            "than once (fan-out): each use sends a contribution, and they add up"}));
        });
      }
      panel.appendChild(el("h3", {text: "Gradients so far"}));
      var list = el("ul");
      nodes.forEach(function (n, i) {
        var got = now.ledger[i];
        if (i === data.output && now.k >= 1) line(list, d + n.name + " = " + data.seedText + " (seed)");
        if (!got || hidden(i)) return;
        var sum = got.map(function (x) { return paren(x.term.productText); });
        line(list, d + n.name + " = " + (sum.length > 1 ? sum.join(" + ") + " = " : "") +
             got[got.length - 1].term.afterText, sum.length > 1 ? "cr-fanout" : "");
      });
      panel.appendChild(list);
      if (now.k === S) {
        var secret = nodes.some(function (n, i) { return !n.op && hidden(i); });
        panel.appendChild(el("p", {className: "cr-gradients cr-math", "data-final": "",
          text: secret ? "Gradients: answer the remaining steps to see them" :
                         "Done. Gradients: " + data.gradients}));
      }
    }

    function renderInspect() {
      while (inspect.firstChild) inspect.removeChild(inspect.firstChild);
      var i = state.inspected;
      if (i === null) return;
      var n = nodes[i];
      inspect.appendChild(el("h3", {text: "Node " + n.name + " (" + n.kind + ")"}));
      inspect.appendChild(el("p", {className: "cr-math", text: n.op ?
        n.name + " = " + n.expr + " = " + n.numbers + " = " + n.valueText :
        n.name + " = " + n.valueText + ": a leaf, nothing to differentiate; its gradient is " +
        "the sum of what its uses send back"}));
      if (!n.op) return;
      var ul = el("ul");
      steps[n.step - 1].terms.slice().sort(function (a, b) { return a.slot - b.slot; })
        .forEach(function (t) {
          var parts = [t.named], rhs = t.named.split(" = ").pop();
          if (t.plugged !== rhs) parts.push(t.plugged);
          var value = hidden(t.input) ? "?" : t.localText;
          if (parts[parts.length - 1] !== value) parts.push(value);
          line(ul, parts.join(" = "));
        });
      inspect.appendChild(ul);
      inspect.appendChild(el("p", {className: "cr-legend", text: "The op table's rule: " +
        steps[n.step - 1].terms.map(function (t) { return t.formula; })
          .filter(function (f, j, all) { return all.indexOf(f) === j; }).join("; ")}));
    }

    var quiz = window.chainruleExplorer.practice(
      {data: data, nodes: nodes, state: state, panel: panel, root: root, d: d, render: render});
    render();
  }

  var api = window.chainruleExplorer = window.chainruleExplorer || {};
  api.mount = mount;
  api.el = el;
})();
