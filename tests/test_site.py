"""The built documentation site, read back from its HTML, checked against the definition."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import material
import pytest
import yaml
from mkdocs.config import load_config
from mkdocs.utils.meta import get_data
from site_html import Element, parse, read_page, table_rows

from ticket_schema import cli
from ticket_schema.definition import DEFAULT_PATH, Definition, DefinitionError, Plural, Text, load
from ticket_schema.mkdocs_plugin import TicketSchemaPlugin
from ticket_schema.site import CONFIG_FILE, SiteBuildError, build_site

pytestmark = pytest.mark.site

LANGUAGES = ["en", "pt-BR"]

# Each page: its source (without the language suffix) and its address per language.
PAGES = {
    "home": ("index", {"en": "/", "pt-BR": "/pt-BR/"}),
    "open": (
        "documentation/products/how-to/open-tickets",
        {
            "en": "/documentation/products/how-to/open-tickets/",
            "pt-BR": "/documentacao/produtos/how-to/abrir-tickets/",
        },
    ),
    "monitor": (
        "documentation/products/how-to/monitor-tickets",
        {
            "en": "/documentation/products/how-to/monitor-tickets/",
            "pt-BR": "/documentacao/produtos/how-to/acompanhar-tickets/",
        },
    ),
}
EVERY_PAGE = [(name, lang) for name in PAGES for lang in LANGUAGES]
FORM_ANCHOR = "ticket-form"


@pytest.fixture(scope="module")
def mkdocs_config():
    """The settings of mkdocs.yml, read the way MkDocs reads them."""
    return load_config(config_file=str(CONFIG_FILE))


def address(name: str, lang: str) -> str:
    return PAGES[name][1][lang]


def source(name: str, lang: str) -> str:
    stem = PAGES[name][0]
    return f"{stem}.md" if lang == "en" else f"{stem}.{lang}.md"


def other(lang: str) -> str:
    return next(code for code in LANGUAGES if code != lang)


def block(page: Element, name: str) -> Element:
    found = [e for e in page.iter() if e.attrs.get("data-ticket-block") == name]
    assert len(found) == 1, f"expected one {name!r} block, found {len(found)}"
    return found[0]


def resolve(page_address: str, href: str) -> str:
    """The site address a link on a page leads to (path and fragment)."""
    target = urlsplit(urljoin(f"http://site{page_address}", href))
    return target.path + (f"#{target.fragment}" if target.fragment else "")


# --------------------------------------------------------------------------
# Addresses, languages and links between twins


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_every_page_is_built_at_its_address_in_its_language(built_site, name, lang):
    page = read_page(built_site, address(name, lang))

    assert page.find("html").attrs["lang"] == lang


def test_the_portuguese_pages_are_not_also_built_under_the_english_addresses(built_site):
    assert not (built_site / "pt-BR/documentation").exists()
    assert not (built_site / "pt-BR/documentacao").exists()


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_the_language_selector_leads_to_the_twin_of_the_page(built_site, name, lang):
    page = read_page(built_site, address(name, lang))
    links = {a.attrs["hreflang"]: a.attrs["href"] for a in page.find_all("a", "md-select__link")}

    assert set(links) == set(LANGUAGES)
    for code, href in links.items():
        assert resolve(address(name, lang), href) == address(name, code)


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_every_page_has_absolute_hreflang_links_to_itself_and_its_twin(
    built_site, mkdocs_config, name, lang
):
    page = read_page(built_site, address(name, lang))
    alternates = {
        link.attrs["hreflang"]: link.attrs["href"]
        for link in page.find_all("link", rel="alternate")
        if "hreflang" in link.attrs
    }
    site_url = mkdocs_config.site_url.rstrip("/")

    assert alternates == {code: site_url + address(name, code) for code in LANGUAGES}


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_every_page_title_names_the_page_and_the_site_once(built_site, name, lang):
    page = read_page(built_site, address(name, lang))
    title = page.find("title").text
    heading = page.find("h1").text
    site_name = "Support" if lang == "en" else "Suporte"

    if name == "home":
        assert title == site_name
    else:
        assert title == f"{heading} - {site_name}"


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_the_edit_button_opens_the_page_own_source_file(built_site, mkdocs_config, name, lang):
    page = read_page(built_site, address(name, lang))
    edit = page.find("a", rel="edit")
    repo = mkdocs_config.repo_url.rstrip("/")

    assert edit.attrs["href"] == f"{repo}/{mkdocs_config.edit_uri}{source(name, lang)}"
    assert (CONFIG_FILE.parent / mkdocs_config.docs_dir / source(name, lang)).is_file()


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_every_page_has_a_meta_description_from_its_own_source(built_site, name, lang):
    page = read_page(built_site, address(name, lang))
    meta = page.find("meta", name="description")
    text = (CONFIG_FILE.parent / "docs" / source(name, lang)).read_text(encoding="utf-8")
    twin = (CONFIG_FILE.parent / "docs" / source(name, other(lang))).read_text(encoding="utf-8")

    assert meta.attrs["content"] == get_data(text)[1]["description"]
    assert meta.attrs["content"] != get_data(twin)[1]["description"]


# --------------------------------------------------------------------------
# The generated blocks


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_severities_are_listed_in_order_with_their_definitions(built_site, definition, lang):
    page = read_page(built_site, address("open", lang))

    assert table_rows(block(page, "severities")) == [
        (severity.name[lang], severity.definition[lang]) for severity in definition.severities
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ticket_types_are_listed_with_what_each_is_for(built_site, definition, lang):
    page = read_page(built_site, address("open", lang))

    assert table_rows(block(page, "types")) == [
        (kind.name[lang], kind.definition[lang]) for kind in definition.ticket_types
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_is_listed_with_its_hint_and_whether_it_is_required(
    built_site, definition, lang
):
    page = read_page(built_site, address("open", lang))

    def required(field_id: str) -> str:
        if definition.field(field_id).required:
            return definition.ui_text("docs.yes", lang)
        if definition.conditionally_required(field_id):
            return definition.ui_text("common.required_for_problems", lang)
        return definition.ui_text("docs.no", lang)

    assert table_rows(block(page, "fields")) == [
        (field.label[lang], field.hint[lang], required(field.id)) for field in definition.fields
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_checklist_names_what_support_needs(built_site, definition, lang):
    page = read_page(built_site, address("open", lang))
    items = [li.text for li in block(page, "checklist").find_all("li")]

    assert len(items) == len(definition.checklist)
    for text, item in zip(items, definition.checklist, strict=True):
        if item.group is not None:
            group = definition.group(item.group)
            assert text == f"{group.legend[lang]}: {group.hint[lang]}"
            continue
        for field_id in item.fields:
            assert definition.field(field_id).label[lang] in text
            assert definition.field(field_id).hint[lang] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_statuses_are_listed_in_order_with_their_meaning(built_site, definition, lang):
    page = read_page(built_site, address("monitor", lang))

    assert table_rows(block(page, "statuses")) == [
        (status.name[lang], status.meaning[lang]) for status in definition.statuses
    ]


@pytest.mark.parametrize(
    ("name", "marker", "part", "text_key"),
    [
        ("open", "types", "ticket_types", "docs.edit_this_table"),
        ("open", "severities", "severities", "docs.edit_this_table"),
        ("open", "fields", "fields", "docs.edit_this_table"),
        ("open", "checklist", "checklist", "docs.edit_this_list"),
        ("monitor", "statuses", "statuses", "docs.edit_this_table"),
    ],
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_block_links_to_its_line_of_the_definition_on_github(
    built_site, definition, mkdocs_config, name, marker, part, text_key, lang
):
    page = read_page(built_site, address(name, lang))
    link = block(page, marker).find("a", "ticket-edit__link")

    # The same branch as the pages' edit links, in GitHub's blob view, whose
    # #L anchors point at a line.
    branch_path = mkdocs_config.edit_uri.replace("edit/", "blob/", 1).removesuffix("docs/")
    definition_path = DEFAULT_PATH.relative_to(CONFIG_FILE.parent).as_posix()
    expected = f"{mkdocs_config.repo_url.rstrip('/')}/{branch_path}{definition_path}"

    assert link.attrs["href"] == f"{expected}#L{definition.line_of(part)}"
    assert link.text == definition.ui_text(text_key, lang)
    # The line is where the part begins: its key, or its first item just below.
    key_line = DEFAULT_PATH.read_text(encoding="utf-8").splitlines().index(f"{part}:") + 1
    assert definition.line_of(part) in (key_line, key_line + 1)


# --------------------------------------------------------------------------
# The closing line of every page


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_every_page_ends_by_linking_to_the_ticket_form_in_its_language(
    built_site, definition, name, lang
):
    page = read_page(built_site, address(name, lang))
    line = page.find("footer").find("p", "ticket-help")
    link = line.find("a")

    assert line.text == (
        f"{definition.ui_text('docs.not_found', lang)} "
        f"{definition.ui_text('docs.open_a_ticket', lang)}"
    )
    assert resolve(address(name, lang), link.attrs["href"]) == (
        f"{address('open', lang)}#{FORM_ANCHOR}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ticket_form_section_has_the_same_anchor_in_both_languages(built_site, lang):
    page = read_page(built_site, address("open", lang))

    assert page.find("h2", id=FORM_ANCHOR)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_a_not_found_page_that_links_to_its_form(built_site, definition, lang):
    where = "404.html" if lang == definition.default_language else f"{lang}/404.html"
    tree = parse((built_site / where).read_text(encoding="utf-8"))

    assert tree.find("html").attrs["lang"] == lang
    assert tree.find("h1").text == definition.ui_text("docs.missing_page.title", lang)
    assert definition.ui_text("docs.missing_page.text", lang) in tree.text
    assert tree.find("p", "ticket-help").find("a").attrs["href"] == (
        f"{address('open', lang)}#{FORM_ANCHOR}"
    )
    assert not tree.find_all("link", rel="alternate")


# --------------------------------------------------------------------------
# Nothing from the other language


def translated_texts(definition: Definition) -> list[Text]:
    """Every sentence of the definition that differs between languages."""
    texts: list[Text] = []
    for choice in (*definition.ticket_types, *definition.severities):
        texts += [choice.name, *([choice.definition] if choice.definition else [])]
    for group in definition.groups:
        texts += [group.legend, *([group.hint] if group.hint else [])]
    for field in definition.fields:
        texts += [field.label, field.hint, field.noun]
        texts += [choice.name for choice in field.choices]
    for status in definition.statuses:
        texts += [status.name, status.meaning]
    for value in (*definition.ui.values(), *definition.messages.values()):
        texts += [value.one, value.other] if isinstance(value, Plural) else [value]
    return [text for text in texts if len(set(text.values.values())) > 1]


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_no_sentence_of_the_other_language_leaks_into_a_page(built_site, definition, name, lang):
    text = read_page(built_site, address(name, lang)).find("body").text
    foreign = other(lang)

    leaks = [
        sentence[foreign]
        for sentence in translated_texts(definition)
        # Short words ("No", "Sim") also occur inside sentences of the other language.
        if len(sentence[foreign]) >= 4
        and re.search(rf"(?<!\w){re.escape(sentence[foreign])}(?!\w)", text)
    ]

    assert leaks == []


def material_string(lang: str, key: str) -> str:
    """A string of the theme's own catalogue for `lang`, read from the installed theme."""
    catalogue = Path(material.__file__).parent / f"templates/partials/languages/{lang}.html"
    found = re.search(rf'"{re.escape(key)}": "([^"]*)"', catalogue.read_text(encoding="utf-8"))
    assert found, f"{catalogue} has no {key!r}"
    return found.group(1)


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_the_theme_speaks_the_page_language_in_its_brazilian_variant(built_site, name, lang):
    page = read_page(built_site, address(name, lang))

    # Material's European Portuguese says "Ir para o conteúdo"; the
    # Brazilian catalogue words the skip link differently.
    assert page.find("a", "md-skip").text == material_string(lang, "action.skip")
    assert page.find("input", "md-search__input").attrs["placeholder"] == material_string(
        lang, "search.placeholder"
    )


# --------------------------------------------------------------------------
# Search


def test_the_search_index_finds_a_portuguese_severity_word_on_the_portuguese_page(
    built_site, definition
):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    portuguese = " ".join(s.definition["pt-BR"] for s in definition.severities)
    english = " ".join(s.definition["en"] for s in definition.severities)
    word = max((w for w in re.findall(r"\w+", portuguese) if w not in english), key=len)
    pages = address("open", "pt-BR").strip("/")

    found = [doc["location"] for doc in index["docs"] if word in doc["text"]]

    assert "pt" in index["config"]["lang"]
    assert found
    assert all(location.startswith(pages) for location in found)


# --------------------------------------------------------------------------
# Nothing from other origins


@pytest.mark.parametrize(("name", "lang"), EVERY_PAGE)
def test_no_page_names_a_script_style_font_or_image_from_another_origin(built_site, name, lang):
    page = read_page(built_site, address(name, lang))
    loaded = [e.attrs.get("src", "") for e in page.find_all("script")]
    loaded += [e.attrs.get("src", "") for e in page.find_all("img")]
    loaded += [
        e.attrs.get("href", "")
        for e in page.find_all("link")
        if e.attrs.get("rel") not in ("alternate", "canonical", "prev", "next")
    ]

    assert [url for url in loaded if urlsplit(url).netloc] == []
    # The theme's repository widget asks GitHub's API for stars and forks.
    assert all(e.attrs.get("data-md-component") != "source" for e in page.iter())


# --------------------------------------------------------------------------
# Other definitions


def modified_definition(tmp_path: Path, definition: Definition) -> tuple[Path, str, str]:
    """A copy of the definition with the second severity renamed and one field added."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    renamed = data["severities"][1]["name"]
    new_en, new_pt = "Renamed Level", "Nível Renomeado"
    text = text.replace(
        f"      en: {renamed['en']}\n      pt-BR: {renamed['pt-BR']}\n",
        f"      en: {new_en}\n      pt-BR: {new_pt}\n",
        1,
    )
    added = (
        "  - id: order_number\n"
        "    group: details\n"
        "    kind: short_text\n"
        "    max_length: 40\n"
        "    label:\n      en: Order number\n      pt-BR: Número do pedido\n"
        "    noun:\n      en: the order number\n      pt-BR: o número do pedido\n"
        "    hint:\n      en: The order the problem is about.\n"
        "      pt-BR: O pedido a que o problema se refere.\n"
    )
    text = text.replace("\n# Rules that change", f"{added}\n# Rules that change", 1)
    path = tmp_path / "ticket.yaml"
    path.write_text(text, encoding="utf-8")
    return path, new_en, new_pt


@pytest.fixture(scope="module")
def modified_site(tmp_path_factory, definition) -> tuple[Path, Definition]:
    """The site built by `ticket-schema build` from a modified copy of the definition."""
    folder = tmp_path_factory.mktemp("modified")
    path, _, _ = modified_definition(folder, definition)
    site_dir = folder / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TICKET_SCHEMA_DEFINITION", str(path))
        assert cli.main(["build", "--site-dir", str(site_dir)]) == 0
    return site_dir, load(path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_renamed_severity_and_an_added_field_reach_both_languages(
    built_site, definition, modified_site, lang
):
    site_dir, changed = modified_site
    before = read_page(built_site, address("open", lang))
    after = read_page(site_dir, address("open", lang))

    assert changed.severities[1].name[lang] != definition.severities[1].name[lang]
    assert [row[0] for row in table_rows(block(after, "severities"))] == [
        severity.name[lang] for severity in changed.severities
    ]
    assert [row[0] for row in table_rows(block(after, "fields"))] == [
        field.label[lang] for field in changed.fields
    ]
    assert len(table_rows(block(after, "fields"))) == len(table_rows(block(before, "fields"))) + 1


def test_a_broken_definition_stops_the_build_with_every_problem_located(tmp_path, definition):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "ticket.yaml"
    broken.write_text(
        text.replace("      pt-BR: Sistema prejudicado\n", "      pt-PT: Sistema prejudicado\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as expected:
        load(broken)
    site_dir = tmp_path / "site"

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TICKET_SCHEMA_DEFINITION", str(broken))
        with pytest.raises(SiteBuildError) as failure:
            build_site(site_dir)

    lines = [str(problem) for problem in expected.value.problems]
    assert lines and all(re.match(r".+:\d+:\d+: \S+: ", line) for line in lines)
    for line in lines:
        assert line in str(failure.value)
    assert not site_dir.exists()


def test_the_build_command_reports_a_broken_definition_like_the_check_command(tmp_path, capsys):
    broken = tmp_path / "ticket.yaml"
    broken.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8").replace("statuses:\n", "statuses: 7\n", 1),
        encoding="utf-8",
    )
    assert cli.main(["check", "--definition", str(broken)]) == 1
    checked = capsys.readouterr().err.strip().splitlines()[1:]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TICKET_SCHEMA_DEFINITION", str(broken))
        assert cli.main(["build", "--site-dir", str(tmp_path / "site")]) == 1
    built = capsys.readouterr().err

    assert checked
    for line in checked:
        assert line in built


# --------------------------------------------------------------------------
# Mistakes in pages


def small_site(tmp_path: Path, pages: dict[str, str], languages: list[str]) -> Path:
    """A small site of its own, with the plugin, for pages that must fail."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = {
        "site_name": "Small",
        "site_url": "http://127.0.0.1:8000/",
        "docs_dir": str(docs),
        "theme": {"name": "mkdocs"},
        "plugins": [
            {
                "i18n": {
                    "docs_structure": "suffix",
                    "languages": [
                        {"locale": code, "name": code, "default": index == 0, "build": True}
                        for index, code in enumerate(languages)
                    ],
                }
            },
            {"ticket-schema": {"definition": str(DEFAULT_PATH), "ticket_page": "index.md"}},
        ],
    }
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return config_file


def test_an_unknown_marker_stops_the_build_naming_the_page_and_the_marker(tmp_path):
    config_file = small_site(
        tmp_path,
        {"index.md": "# Home\n", "help.md": "# Help\n\n<!-- ticket:severity -->\n"},
        ["en"],
    )

    with pytest.raises(SiteBuildError) as failure:
        build_site(tmp_path / "site", config_file=config_file)

    assert "help.md" in str(failure.value)
    assert "<!-- ticket:severity -->" in str(failure.value)


def test_a_marker_on_a_page_in_a_language_the_definition_lacks_stops_the_build(tmp_path):
    config_file = small_site(
        tmp_path,
        {
            "index.md": "# Home\n",
            "index.es.md": "# Inicio\n",
            "help.md": "# Help\n\n<!-- ticket:severities -->\n",
            "help.es.md": "# Ayuda\n\n<!-- ticket:severities -->\n",
        },
        ["en", "es"],
    )

    with pytest.raises(SiteBuildError) as failure:
        build_site(tmp_path / "site", config_file=config_file)

    message = str(failure.value)
    assert "help.es.md" in message
    assert "<!-- ticket:severities -->" in message
    assert "'es'" in message


def test_a_build_that_fails_half_way_leaves_the_previous_site_as_it_was(tmp_path):
    pages = {
        "index.md": "# Home\n",
        "index.es.md": "# Inicio\n",
        "help.md": "# Help\n",
        "help.es.md": "# Ayuda\n",
    }
    config_file = small_site(tmp_path, pages, ["en", "es"])
    site_dir = tmp_path / "site"
    build_site(site_dir, config_file=config_file)
    before = sorted(path.relative_to(site_dir) for path in site_dir.rglob("*"))

    # The English pages build; the Spanish one then stops the build.
    (tmp_path / "docs" / "help.md").write_text("# Help, edited\n", encoding="utf-8")
    (tmp_path / "docs" / "help.es.md").write_text("# Ayuda\n\n<!-- ticket:severities -->\n")
    with pytest.raises(SiteBuildError):
        build_site(site_dir, config_file=config_file)

    assert sorted(path.relative_to(site_dir) for path in site_dir.rglob("*")) == before
    assert "Help, edited" not in (site_dir / "help" / "index.html").read_text(encoding="utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["docs", "mkdocs.yml", "site"]


def test_two_pages_asking_for_one_address_stop_the_build(tmp_path):
    config_file = small_site(
        tmp_path,
        {
            "index.md": "# Home\n",
            "a.md": "---\naddress: /same/\n---\n# A\n",
            "b.md": "---\naddress: /same/\n---\n# B\n",
        },
        ["en"],
    )

    with pytest.raises(SiteBuildError, match=r"a\.md|b\.md"):
        build_site(tmp_path / "site", config_file=config_file)


# --------------------------------------------------------------------------
# mkdocs serve


def test_mkdocs_serve_watches_the_definition(mkdocs_config):
    class Server:
        def __init__(self) -> None:
            self.watched: list[str] = []

        def watch(self, path: str) -> None:
            self.watched.append(path)

    plugin = mkdocs_config.plugins["ticket-schema"]
    assert isinstance(plugin, TicketSchemaPlugin)
    plugin.on_config(mkdocs_config)
    server = Server()

    plugin.on_serve(server, config=mkdocs_config, builder=None)

    assert [Path(path).resolve() for path in server.watched] == [
        Path(mkdocs_config.plugins["ticket-schema"].definition_path).resolve()
    ]
    assert Path(server.watched[0]).resolve() == DEFAULT_PATH.resolve()
