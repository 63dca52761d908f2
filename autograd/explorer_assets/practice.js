/* chainrule explorer, practice mode: at each backward step the learner types ∂L/∂node before
 * it is shown. Right means within data.tolerance; a wrong answer is compared with the answers
 * that common slips give (each step's practice.slips, computed in Python from explain(L)):
 * forgetting the fan-out sum, dropping the upstream factor, a wrong local derivative. Then
 * the answer is shown, with how it is made. The feedback element carries data-verdict
 * ("right", "wrong", "shown") and data-slip ("fanout", "upstream", "local", "none"). */
(function () {
  "use strict";
  var api = window.chainruleExplorer = window.chainruleExplorer || {};

  function near(value, target, tol) {
    return Math.abs(value - target) <= tol.rel * Math.abs(target) + tol.abs;
  }

  function readNumber(typed) {       // "0.46", "-1.1", "−1.1" (a typographic minus), "0,46"
    var s = String(typed).trim().replace(/\u2212/g, "-").replace(",", ".");
    return s === "" ? NaN : Number(s);
  }

  api.practice = function (ctx) {
    var el = api.el, d = ctx.d, state = ctx.state;

    function ask(step) {
      var n = ctx.nodes[step.node];
      var box = el("div", {className: "cr-practice"});
      var input = el("input", {type: "text", name: "answer", inputmode: "decimal",
                               autocomplete: "off", "aria-label": "your " + d + n.name});
      var form = el("form", {}, [el("label", {}, [d + n.name + " = ", input]),
        el("button", {type: "submit", name: "check", text: "Check"}),
        el("button", {type: "button", name: "reveal", text: "Show me"})]);
      form.addEventListener("submit", function (ev) { ev.preventDefault(); check(step, input.value); });
      form.querySelector("[name=reveal]").addEventListener("click", function () {
        check(step, null);
      });
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape") { ev.preventDefault(); ctx.root.focus(); }   // back to ← →
      });
      box.appendChild(el("p", {text: "Practice: what is " + d + n.name + "? Add up what its " +
        "uses sent back (click a node for its local derivative; Esc: back to the step keys)."}));
      box.appendChild(form);
      if (state.invalid === step.index) {
        box.appendChild(el("p", {className: "cr-feedback", role: "status", "data-verdict":
                                 "invalid", text: "Type a number, such as 0.25 or -1.5."}));
      }
      ctx.panel.appendChild(box);
      if (state.asked !== step.index) {         // focus a new question once, not on every render
        state.asked = step.index;
        setTimeout(function () { input.focus(); }, 0);
      }
    }

    function check(step, typed) {
      var q = step.practice, tol = ctx.data.tolerance, value = readNumber(typed);
      var verdict, slip = "none", text;
      state.invalid = null;
      if (typed === null) {
        verdict = "shown"; text = "The answer: " + q.how;
      } else if (!isFinite(value)) {
        state.invalid = step.index; ctx.render(); return;
      } else if (near(value, q.answer, tol)) {
        verdict = "right"; text = "Right: " + q.how;
      } else {
        var fit = q.slips.filter(function (s) { return near(value, s.value, tol); })[0];
        verdict = "wrong"; slip = fit ? fit.slip : "none";
        text = "Not quite: you typed " + String(typed).trim() + ". " +
          (fit ? fit.message : "That fits none of the common slips. The answer: " + q.how);
      }
      state.revealed[step.node] = true;
      state.feedback[step.index] = el("p", {className: "cr-feedback", role: "status",
        "data-verdict": verdict, "data-slip": slip, text: text});
      ctx.render();
    }

    return {ask: ask, check: check};
  };
})();
