/*
 * ticket-form.js: checks, sends and embeds the ticket form (README: "Embedding the form").
 * The form works without it. The rules come from the JSON block in each form, generated
 * from the schema the server validates with; none is written here.
 */
(() => {
  "use strict";

  const script = document.currentScript;

  // Loaded twice, the first copy keeps working and serves the second tag.
  if (window.TicketForm) {
    if (script && script.dataset.target) window.TicketForm.embed(script);
    return;
  }

  // How long after a ticket was accepted a further submit, with nothing
  // typed in between, is taken for the same click repeated.
  const RESUBMIT_PAUSE_MS = 1000;

  const fail = (message) => {
    console.error("ticket form: " + message);
    throw new Error("ticket form: " + message);
  };

  const need = (root, selector, what) =>
    root.querySelector(selector) || fail(what + " has no element matching " + selector);

  const fill = (template, params) =>
    template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));

  const element = (tag, text, className) => {
    const made = document.createElement(tag);
    made.textContent = text || "";
    if (className) made.className = className;
    return made;
  };

  // ---- The rules: pure functions of a submission and the generated data.

  // Line breaks become "\n" first: a plain form post sends "\r\n", and both
  // sides must count the same characters.
  const trim = (raw, space) => {
    const value = raw.replace(/\r\n?/g, "\n");
    let start = 0;
    let end = value.length;
    while (start < end && space.includes(value[start])) start++;
    while (end > start && space.includes(value[end - 1])) end--;
    return value.slice(start, end);
  };

  // Half of a UTF-16 pair with no other half: no character, and no text
  // the server can store. A field name holding one is shown escaped.
  const LONE_SURROGATE = /[\ud800-\udfff]/u;
  const printable = (name) =>
    name.replace(/[\ud800-\udfff]/gu, (half) => "\\u" + half.charCodeAt(0).toString(16));

  const regexps = new Map();
  const matches = (pattern, value) => {
    if (!regexps.has(pattern)) regexps.set(pattern, new RegExp(pattern, "u"));
    return regexps.get(pattern).test(value);
  };

  const requiredFields = (rules, valueOf) => {
    const required = new Set(rules.fields.filter((f) => f.required).map((f) => f.id));
    for (const rule of rules.rules) {
      if (valueOf(rule.when) === rule.equals) rule.require.forEach((id) => required.add(id));
    }
    return required;
  };

  /** Judge a submission as the server's validator does: at most one problem per field. */
  function validate(submission, rules) {
    // A Map, so that a field called "__proto__" is only a name.
    const values = new Map();
    for (const [name, value] of Object.entries(submission)) {
      const kept = typeof value === "string" ? trim(value, rules.whitespace) : value;
      if (kept !== "" && kept !== null && kept !== undefined) values.set(name, kept);
    }
    const fields = new Map(rules.fields.map((field) => [field.id, field]));
    const found = new Map();
    const report = (name, code) => {
      const rank = rules.priority.indexOf(code);
      if (!found.has(name) || rank < rules.priority.indexOf(found.get(name))) found.set(name, code);
    };

    for (const name of requiredFields(rules, (name) => values.get(name))) {
      if (!values.has(name)) report(name, "required");
    }
    for (const [name, value] of values) {
      const field = fields.get(name);
      if (!field) {
        if (rules.closed) report(name, "unknown_field");
      } else if (typeof value !== "string" || LONE_SURROGATE.test(value)) {
        report(name, "wrong_type");
      } else {
        // Characters are code points, as the server counts them; a limit
        // the field does not have is undefined, and compares false.
        const length = [...value].length;
        if (field.enum && !field.enum.includes(value)) report(name, "not_a_choice");
        if (field.pattern && !matches(field.pattern, value)) report(name, field.patternCode);
        if (length < field.minLength) report(name, "too_short");
        if (length > field.maxLength) report(name, "too_long");
      }
    }

    const order = (name) => (fields.has(name) ? rules.fields.indexOf(fields.get(name)) : 1e9);
    return [...found]
      .sort((a, b) => order(a[0]) - order(b[0]))
      .map(([name, code]) => ({
        field: name,
        code: code,
        message: fields.has(name)
          ? fields.get(name).messages[code]
          : fill(rules.unknownField, { field: printable(name) }),
      }));
  }

  // ---- One form on a page.

  const newKey = () => {
    try {
      return crypto.randomUUID();
    } catch (error) {
      // randomUUID is only offered to secure (https) pages; random bytes are not.
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      bytes[6] = (bytes[6] & 15) | 64; // version 4
      bytes[8] = (bytes[8] & 63) | 128; // the standard variant
      const hex = [...bytes].map((byte) => (byte | 256).toString(16).slice(1)).join("");
      return hex.replace(/(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    }
  };

  function enhance(wrapper, options = {}) {
    if (wrapper.ticketForm) return wrapper.ticketForm;
    const what = "the ticket form";
    const rules = JSON.parse(need(wrapper, "script[data-ticket-form-rules]", what).textContent);
    const form = need(wrapper, "form", what);
    const summary = need(wrapper, "[data-ticket-form-summary]", what);
    const list = need(summary, "ul", "the error summary");
    const status = need(wrapper, "[data-ticket-form-status]", what);
    const key = form.elements.namedItem(rules.meta.idempotency) ||
      fail(what + " has no input named " + rules.meta.idempotency);
    const action = options.action || form.action;
    const space = rules.whitespace;
    const live = wrapper.appendChild(element("p", "", "tsf-visually-hidden"));
    live.setAttribute("aria-live", "polite");
    let busy = false;
    let acceptedAt = -Infinity;

    // Each field's controls, and the box that holds its label, hint and error.
    const parts = new Map();
    for (const field of rules.fields) {
      const named = form.elements.namedItem(field.id) ||
        fail(what + " has no control named " + field.id);
      const controls = named instanceof RadioNodeList ? [...named] : [named];
      const box = controls[0].closest(".tsf-field") ||
        fail("the control of " + field.id + " is not inside a .tsf-field");
      // A radio group is described, and marked required, on its fieldset.
      const described = box.tagName === "FIELDSET" ? box : controls[0];
      parts.set(field.id, { field, controls, box, described });
    }
    const read = (name) => {
      const controls = parts.get(name).controls;
      const chosen = controls[0].type === "radio" ? controls.find((c) => c.checked) : controls[0];
      return chosen ? chosen.value : "";
    };
    const fire = (name, detail) =>
      form.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));

    // Fields a rule can require say so when it applies, and only then.
    const conditional = new Set(rules.rules.flatMap((rule) => rule.require));
    const applyRules = () => {
      const required = requiredFields(rules, (name) => trim(read(name), space));
      for (const name of conditional) {
        const { box, described } = parts.get(name);
        const marker = box.querySelector(".tsf-marker span");
        const on = required.has(name);
        if (marker) marker.textContent = on ? rules.text.required : rules.text.conditional;
        described.setAttribute("aria-required", on);
      }
    };

    // Character counts: shown at once, announced once the customer pauses.
    const counters = [];
    for (const { field, controls, box } of parts.values()) {
      const shown = box.querySelector(".tsf-count");
      if (!shown || field.maxLength === undefined) continue;
      let timer = 0;
      const update = (announce) => {
        const left = field.maxLength - [...trim(controls[0].value, space)].length;
        const count = Math.abs(left);
        const forms = left < 0 ? rules.text.tooMany : rules.text.remaining;
        // The plural form is chosen by the number; the text shows it as the language writes it.
        const sentence = forms[rules.pluralOne.includes(count) ? "one" : "other"];
        const text = fill(sentence, { count: count.toLocaleString(rules.lang) });
        shown.textContent = text;
        shown.classList.toggle("tsf-count--over", left < 0);
        clearTimeout(timer);
        if (announce) timer = setTimeout(() => (live.textContent = text), 800);
      };
      controls[0].addEventListener("input", () => update(true));
      counters.push(update);
    }

    const setDescribedBy = (part, id, on) => {
      const ids = (part.described.getAttribute("aria-describedby") || "").split(" ");
      const kept = ids.filter((each) => each && each !== id).concat(on ? [id] : []);
      part.described.setAttribute("aria-describedby", kept.join(" "));
    };

    const clearProblems = () => {
      summary.hidden = true;
      list.replaceChildren();
      for (const part of parts.values()) {
        part.box.classList.remove("tsf-field--error");
        part.controls.forEach((control) => control.removeAttribute("aria-invalid"));
        const error = part.box.querySelector(".tsf-error");
        if (error) {
          error.remove();
          setDescribedBy(part, error.id, false);
        }
      }
    };

    // The summary takes focus and links to each field; each field says the same.
    const showProblems = (problems, source) => {
      clearProblems();
      status.replaceChildren();
      for (const problem of problems) {
        const item = list.appendChild(element("li", problem.message));
        const part = parts.get(problem.field);
        if (!part || part.box.querySelector(".tsf-error")) continue;
        const link = element("a", problem.message);
        link.href = "#" + part.controls[0].id;
        item.replaceChildren(link);

        const error = element("p", problem.message, "tsf-error");
        error.id = rules.idPrefix + problem.field + "-error";
        error.prepend(element("span", rules.text.errorPrefix + " ", "tsf-visually-hidden"));
        part.box.insertBefore(error, part.controls[0].closest(".tsf-option") || part.controls[0]);
        part.box.classList.add("tsf-field--error");
        part.controls.forEach((control) => control.setAttribute("aria-invalid", "true"));
        setDescribedBy(part, error.id, true);
      }
      summary.hidden = false;
      summary.focus();
      fire("ticket-form:invalid", { problems, source });
    };

    // An address's "#id" cannot reach into a shadow root, and would change
    // the host page's address: move to the field by hand.
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a");
      const target = link && wrapper.getRootNode().getElementById(link.hash.slice(1));
      if (!target) return;
      event.preventDefault();
      (target.closest(".tsf-field").querySelector("legend, label") || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });

    const say = (text, href) => {
      const line = element("p", text);
      if (href) {
        const link = element("a", rules.text.statusLink);
        link.href = href;
        line.append(" ", link);
      }
      status.replaceChildren(line);
    };

    const send = async (submission) => {
      const honeypot = form.elements.namedItem(rules.meta.honeypot);
      if (honeypot && honeypot.value) submission[rules.meta.honeypot] = honeypot.value;
      let response;
      try {
        response = await fetch(action, {
          method: "POST",
          credentials: "omit",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "Accept-Language": rules.lang,
            [rules.headers.idempotency]: key.value,
            [rules.headers.version]: rules.version,
          },
          body: JSON.stringify(submission),
        });
      } catch (error) {
        say(rules.text.networkError);
        return fire("ticket-form:error", { status: 0 });
      }
      const answer = (await response.json().catch(() => null)) || {};

      if (response.ok && answer.number !== undefined) {
        const statusUrl = answer.status_url && new URL(answer.status_url, action).href;
        form.reset();
        acceptedAt = performance.now();
        key.value = newKey();
        applyRules();
        counters.forEach((update) => update(false));
        say(fill(rules.text.success, { number: answer.number }), statusUrl);
        fire("ticket-form:submitted", { number: answer.number, statusUrl, status: answer.status });
      } else if (response.status === 422 && Array.isArray(answer.problems)) {
        showProblems(answer.problems, "server");
      } else {
        // A refusal the server explains (too large, too many, a key already
        // used...) is worded in the form's language: show it. A failure of
        // the server itself gets the form's own words.
        const explained = response.status < 500 && typeof answer.error === "string";
        say(explained ? answer.error : rules.text.serverError);
        // The key went with another ticket (one whose answer was lost, say):
        // the next send is a ticket of its own.
        if (response.status === 409) key.value = newKey();
        fire("ticket-form:error", { status: response.status });
      }
    };

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // The second click of a double-click would judge the form the first
      // one has just emptied, and cover the new ticket's number with errors.
      // Anything typed since the send ends the pause (see the input listener).
      if (busy || performance.now() - acceptedAt < RESUBMIT_PAUSE_MS) return;
      const submission = {};
      for (const name of parts.keys()) {
        const value = trim(read(name), space);
        if (value) submission[name] = value;
      }
      const problems = validate(submission, rules);
      if (problems.length) return showProblems(problems, "browser");

      busy = true;
      form.setAttribute("aria-busy", "true");
      clearProblems();
      say(rules.text.sending);
      try {
        await send(submission);
      } finally {
        busy = false;
        form.removeAttribute("aria-busy");
      }
    });

    // "?subject=...&url=..." fills those fields, so that a page can link to
    // a ticket about itself: ticket fields only, and never over a value.
    const params = new URLSearchParams(location.search);
    for (const { field, controls } of parts.values()) {
      const value = params.get(field.id);
      const control = controls[0];
      if (value === null) continue;
      if (control.type === "radio") {
        const match = controls.find((radio) => radio.value === value);
        if (match) match.checked = true;
      } else if (control.tagName === "SELECT") {
        if ([...control.options].some((option) => option.value === value)) control.value = value;
      } else if (!control.value) {
        control.value = value;
      }
    }

    // A static page is the same for every visitor, so each view makes its own key.
    if (!key.value) key.value = newKey();
    form.addEventListener("change", applyRules);
    form.addEventListener("input", () => (acceptedAt = -Infinity));
    applyRules();
    counters.forEach((update) => update(false));
    wrapper.ticketForm = { form, rules, action };
    return wrapper.ticketForm;
  }

  // ---- The embed for other sites.

  let policy = null;

  async function closestLanguage(wanted, base) {
    const address = new URL("languages.json", base);
    const response = await fetch(address, { credentials: "omit" });
    if (!response.ok) fail("could not load " + address + " (HTTP " + response.status + ")");
    const site = await response.json();
    const lower = wanted.toLowerCase();
    const family = lower.split("-")[0];
    return (
      site.languages.find((code) => code.toLowerCase() === lower) ||
      site.languages.find((code) => code.toLowerCase().split("-")[0] === family) ||
      site.default
    );
  }

  async function embed(tag) {
    const selector = tag.dataset.target;
    const host = document.querySelector(selector) ||
      fail('no element matches data-target="' + selector + '"');
    const base = new URL(".", tag.src);
    const fragmentOf = (lang) => new URL(encodeURIComponent(lang) + "/fragment.html", base);
    const load = (address) => fetch(address, { credentials: "omit" });

    // The language asked for, when the site has it as written; else the
    // closest one the site lists ("pt-br" and "pt" are "pt-BR", "en-US" is
    // "en"), else the site's default.
    const wanted = tag.dataset.lang || document.documentElement.lang || "";
    let address = wanted && fragmentOf(wanted);
    let response = address && (await load(address));
    if (!response || response.status === 404) {
      address = fragmentOf(await closestLanguage(wanted, base));
      response = await load(address);
    }
    if (!response.ok) fail("could not load " + address + " (HTTP " + response.status + ")");
    let html = await response.text();

    // The style sheet first, so that the form never shows unstyled.
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    const sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = new URL("ticket-form.css", base).href;
    await new Promise((resolve) => {
      sheet.addEventListener("load", resolve);
      sheet.addEventListener("error", () => {
        console.warn("ticket form: could not load " + sheet.href);
        resolve();
      });
      root.replaceChildren(sheet);
    });

    // A host that enforces Trusted Types allows this policy by name.
    if (window.trustedTypes) {
      policy = policy || trustedTypes.createPolicy("ticket-form", { createHTML: (text) => text });
      html = policy.createHTML(html);
    }
    const holder = document.createElement("div");
    holder.innerHTML = html;
    root.append(...holder.childNodes);
    const wrapper = need(root, "[data-ticket-form]", address);
    const form = need(wrapper, "form", address);
    wrapper.classList.add("tsf--isolated");

    // The fragment's action is relative to the site it came from.
    const action = tag.dataset.action
      ? new URL(tag.dataset.action, document.baseURI).href
      : new URL(form.getAttribute("action"), base).href;
    form.setAttribute("action", action);
    return enhance(wrapper, { action });
  }

  window.TicketForm = Object.freeze({ validate, enhance, embed });

  const start = () => {
    if (script && script.dataset.target) embed(script);
    else document.querySelectorAll("[data-ticket-form]").forEach((wrapper) => enhance(wrapper));
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
