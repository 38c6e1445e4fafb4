/*
 * The theme's search worker, with every word of a query reduced to its stem
 * before the theme sees it.
 *
 * The index is stemmed (`pipeline: [stopWordFilter, stemmer]` in mkdocs.yml):
 * "comprometidas" is stored as "compromet". The theme adds a wildcard to
 * every typed word so that results come while typing, and lunr neither stems
 * a word with a wildcard nor finds "comprometido*" among stems. So each word
 * is replaced here by its stem, made by the same stemmers that made the
 * index, and the theme's wildcard then lets that stem match: "comprometido"
 * and "comprometidas" both become "compromet*", while a beginning such as
 * "compr" still finds everything that starts that way. The word the theme
 * gets is the stem itself, so its list of words a result lacks stays right.
 *
 * It is loaded as workers/search-stemming.js?engine=<the theme's worker file>
 * (see search-query.js), from the folder of the theme's worker, so that the
 * theme's worker finds its language files where it expects them.
 */
"use strict";

(function () {
  // The theme's message types (SETUP, READY, QUERY, RESULT, in that order).
  var SETUP = 0;
  var QUERY = 2;

  // A lunr query term: everything but white space and lunr's query syntax.
  var TERM = /[^\s"+\-:~^*]+/g;
  var EDGES = /^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu;

  var engine = new URL(self.location.href).searchParams.get("engine");
  if (!engine || !/^[\w.-]+\.js$/.test(engine)) {
    throw new Error("search-stemming.js needs ?engine=<the theme's search worker file>");
  }

  var settings = null;
  var pipeline = null;

  // The stop-word filters and stemmers the index was built with, in lunr's
  // order; null when the index is not stemmed or the languages are not loaded.
  function stemming() {
    if (pipeline || !settings || settings.pipeline.indexOf("stemmer") === -1) {
      return pipeline;
    }
    var languages = settings.lang.map(function (code) {
      return code === "en" ? self.lunr : self.lunr && self.lunr[code];
    });
    if (languages.some(function (language) { return !language; })) {
      return null;
    }
    var steps = [];
    if (settings.pipeline.indexOf("stopWordFilter") !== -1) {
      languages.forEach(function (language) {
        if (language.stopWordFilter) {
          steps.push(language.stopWordFilter);
        }
      });
    }
    languages.forEach(function (language) {
      if (language.stemmer) {
        steps.push(language.stemmer);
      }
    });
    pipeline = new self.lunr.Pipeline();
    pipeline.add.apply(pipeline, steps);
    return pipeline;
  }

  // Each word of `text` as its stem, followed by a wildcard when `wildcard`
  // is set and the reader did not type one.
  function stemWords(text, stems, wildcard) {
    return text.replace(TERM, function (term, offset, whole) {
      var next = whole.charAt(offset + term.length);
      // A field name ("title:word") stays as it is.
      if (next === ":") {
        return term;
      }
      var word = term.replace(EDGES, "").toLowerCase();
      // A stop word comes back empty: the theme handles those itself.
      var stem = word && stems.runString(word)[0];
      if (!stem) {
        return term;
      }
      return wildcard && next !== "*" ? stem + "*" : stem;
    });
  }

  // The query with its words stemmed. The theme adds the wildcard to a plain
  // word; it adds none to a word that must be present or absent ("+word",
  // "-word", or a quoted word, which it makes "+word"), and lunr would stem
  // such a stem again, so those get their wildcard here. A word with a boost
  // or a distance ("word^2", "word~1") gets no wildcard from the theme and is
  // left for lunr to stem.
  function stemQuery(query) {
    var stems = stemming();
    if (!stems) {
      return query;
    }
    return query.split(/("[^"]*")/).map(function (part, index) {
      if (index % 2 === 1) {
        return stemWords(part, stems, true);
      }
      return part.split(/(\s+)/).map(function (token) {
        if (!token.trim() || /[~^]\d*$/.test(token)) {
          return token;
        }
        return stemWords(token, stems, /^[+-]/.test(token));
      }).join("");
    }).join("");
  }

  // The theme's worker listens for messages with addEventListener; its
  // listener is given each query with the words already stemmed.
  var listen = self.addEventListener;
  self.addEventListener = function (type, listener, options) {
    if (type !== "message") {
      return listen.call(self, type, listener, options);
    }
    return listen.call(self, type, function (event) {
      var message = event.data;
      if (message && message.type === SETUP && message.data) {
        settings = message.data.config;
        pipeline = null;
      } else if (message && message.type === QUERY && typeof message.data === "string") {
        event = new MessageEvent("message", {
          data: { type: QUERY, data: stemQuery(message.data) },
        });
      }
      return listener.call(self, event);
    }, options);
  };

  importScripts(engine);
})();
