"""Field-error constructors and name/label/selector syntax, with upstream wording.

Mirrors ``k8s.io/apimachinery/pkg/util/validation/field/errors.go`` (``ErrorBody``),
``k8s.io/apimachinery/pkg/util/validation/validation.go`` (``IsDNS1123Subdomain``, ``IsQualifiedName``,
``IsValidLabelValue``, ``IsValidPortNum``, ``IsValidPercent``...),
``k8s.io/apimachinery/pkg/api/validation/objectmeta.go`` (``ValidateObjectMeta``, annotations) and
``k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`` (labels, ``ValidateLabelSelector``).
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

from ..errors import FieldError

Path = tuple
ErrorList = list

# ---------------------------------------------------------------------------------------------
# field.Error constructors (ErrorBody formatting)
# ---------------------------------------------------------------------------------------------

OMIT = object()


def go_quote(s: str) -> str:
    """Go ``%q`` for the common cases (JSON escaping is the same for printable text)."""
    return json.dumps(s, ensure_ascii=False)


def go_value(v: Any) -> str:
    """How ``ErrorBody`` prints a bad value: numbers/bools bare, strings quoted, maps like ``%#v``."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, IntOrStr):
        return str(v.v)
    if isinstance(v, StrMap):
        body = ", ".join(f"{go_quote(k)}:{go_quote(x)}" for k, x in sorted(v.items()))
        return "map[string]string{" + body + "}"
    try:
        return json.dumps(v, sort_keys=True, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        return repr(v)


class StrMap(dict):
    """A ``map[string]string`` bad value (labels), printed like Go's ``%#v``."""


class IntOrStr:
    """Wraps an IntOrString for printing (``intstr.IntOrString`` is a Stringer: printed unquoted)."""

    def __init__(self, v: Any) -> None:
        self.v = v


def invalid(path: Path, value: Any, detail: str = "") -> FieldError:
    body = "Invalid value" if value is OMIT else f"Invalid value: {go_value(value)}"
    return FieldError(tuple(path), body + (f": {detail}" if detail else ""))


def required(path: Path, detail: str = "") -> FieldError:
    return FieldError(tuple(path), "Required value" + (f": {detail}" if detail else ""))


def forbidden(path: Path, detail: str) -> FieldError:
    return FieldError(tuple(path), "Forbidden" + (f": {detail}" if detail else ""))


def duplicate(path: Path, value: Any, detail: str = "") -> FieldError:
    return FieldError(tuple(path), f"Duplicate value: {go_value(value)}" + (f": {detail}" if detail else ""))


def not_found(path: Path, value: Any) -> FieldError:
    return FieldError(tuple(path), f"Not found: {go_value(value)}")


def not_supported(path: Path, value: Any, valid: Iterable[str]) -> FieldError:
    quoted = [go_quote(str(x)) for x in valid]
    detail = ("supported values: " + ", ".join(quoted)) if quoted else ""
    return FieldError(tuple(path), f"Unsupported value: {go_value(value)}" + (f": {detail}" if detail else ""))


def too_long(path: Path, max_length: int) -> FieldError:
    return FieldError(tuple(path), f"Too long: must have at most {max_length} bytes")


def too_many(path: Path, actual: int, max_items: int) -> FieldError:
    return FieldError(tuple(path), f"Too many: {actual}: must have at most {max_items} items")


# ---------------------------------------------------------------------------------------------
# small typed getters: wrong JSON types are the schema checker's job; we skip them quietly
# ---------------------------------------------------------------------------------------------

def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def as_dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else []


def as_str(v: Any) -> str:
    return v if isinstance(v, str) else ""


# ---------------------------------------------------------------------------------------------
# apimachinery/pkg/util/validation
# ---------------------------------------------------------------------------------------------

def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    ex = ",  or ".join(f"'{e}'" for e in examples)
    return f"{msg} (e.g. {ex}, regex used for validation is '{fmt}')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
PERCENT_FMT = "[0-9]+%"

_dns1123_label = re.compile("^" + DNS1123_LABEL_FMT + "$")
_dns1123_subdomain = re.compile("^" + DNS1123_SUBDOMAIN_FMT + "$")
_dns1035_label = re.compile("^" + DNS1035_LABEL_FMT + "$")
_qualified_name = re.compile("^" + QUALIFIED_NAME_FMT + "$")
_label_value = re.compile("^" + LABEL_VALUE_FMT + "$")
_percent = re.compile("^" + PERCENT_FMT + "$")


def is_dns1123_label(v: str) -> list[str]:
    errs = []
    if len(v) > 63:
        errs.append(_max_len_error(63))
    if not _dns1123_label.match(v):
        errs.append(_regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(v: str) -> list[str]:
    errs = []
    if len(v) > 253:
        errs.append(_max_len_error(253))
    if not _dns1123_subdomain.match(v):
        errs.append(_regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(v: str) -> list[str]:
    errs = []
    if len(v) > 63:
        errs.append(_max_len_error(63))
    if not _dns1035_label.match(v):
        errs.append(_regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(v: str) -> list[str]:
    errs = []
    parts = v.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + _regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _qualified_name.match(name):
        errs.append("name part " + _regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(v: str) -> list[str]:
    errs = []
    if len(v) > 63:
        errs.append(_max_len_error(63))
    if not _label_value.match(v):
        errs.append(_regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_valid_percent(v: str) -> list[str]:
    if not _percent.match(v):
        return [_regex_error("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, "1%", "93%")]
    return []


def is_valid_port_num(p: int) -> list[str]:
    if 1 <= p <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


_iana_alpha = re.compile("^[-a-z0-9]+$")
_iana_letter = re.compile("[a-z]")


def is_valid_port_name(port: str) -> list[str]:
    errs = []
    if len(port) > 15:
        errs.append(_max_len_error(15))
    if not _iana_alpha.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _iana_letter.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def validate_port_num_or_name(port: Any, path: Path) -> ErrorList:
    """``ValidatePortNumOrName`` (an IntOrString port)."""
    if is_int(port):
        return [invalid(path, port, m) for m in is_valid_port_num(port)]
    if isinstance(port, str):
        if port == "":
            return [required(path, "")]
        return [invalid(path, port, m) for m in is_valid_port_name(port)]
    return [invalid(path, port, "must be an int or string")]


def validate_nonnegative(v: Any, path: Path) -> ErrorList:
    """``ValidateNonnegativeField``."""
    if is_int(v) and v < 0:
        return [invalid(path, v, "must be greater than or equal to 0")]
    return []


def validate_positive(v: Any, path: Path) -> ErrorList:
    if is_int(v) and v <= 0:
        return [invalid(path, v, "must be greater than zero")]
    return []


# ---------------------------------------------------------------------------------------------
# labels, annotations, selectors, object meta
# ---------------------------------------------------------------------------------------------

TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)


def validate_label_name(name: Any, path: Path) -> ErrorList:
    """``ValidateLabelName``: the key is a qualified name."""
    if not isinstance(name, str):
        return []
    return [invalid(path, name, m) for m in is_qualified_name(name)]


def validate_labels(labels: Any, path: Path) -> ErrorList:
    errs: ErrorList = []
    for k, v in as_dict(labels).items():
        errs += validate_label_name(k, path)
        if isinstance(v, str):
            errs += [invalid(path, v, m) for m in is_valid_label_value(v)]
    return errs


def validate_annotations(ann: Any, path: Path) -> ErrorList:
    errs: ErrorList = []
    total = 0
    for k, v in as_dict(ann).items():
        if isinstance(k, str):
            errs += [invalid(path, k, m) for m in is_qualified_name(k.lower())]
            total += len(k.encode())
        if isinstance(v, str):
            total += len(v.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_B:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT_B))
    return errs


def validate_label_selector_requirement(req: Any, path: Path) -> ErrorList:
    req = as_dict(req)
    errs: ErrorList = []
    op = req.get("operator")
    values = req.get("values")
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(path + ("values",), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(path + ("values",), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    else:
        errs.append(invalid(path + ("operator",), op, "not a valid selector operator"))
    errs += validate_label_name(req.get("key", ""), path + ("key",))
    for i, v in enumerate(as_list(values)):
        if isinstance(v, str):
            errs += [invalid(path + ("values", i), v, m) for m in is_valid_label_value(v)]
    return errs


def validate_label_selector(sel: Any, path: Path) -> ErrorList:
    """``metav1validation.ValidateLabelSelector`` (nil is fine)."""
    if sel is None:
        return []
    sel = as_dict(sel)
    errs: ErrorList = []
    for i, req in enumerate(as_list(sel.get("matchExpressions"))):
        errs += validate_label_selector_requirement(req, path + ("matchExpressions", i))
    errs += validate_labels(sel.get("matchLabels"), path + ("matchLabels",))
    return errs


def selector_is_empty(sel: Any) -> bool:
    sel = as_dict(sel)
    return not sel.get("matchLabels") and not sel.get("matchExpressions")


def selector_matches(sel: Any, labels: Any) -> bool:
    """``LabelSelectorAsSelector(sel).Matches(labels)``."""
    sel, labels = as_dict(sel), as_dict(labels)
    for k, v in as_dict(sel.get("matchLabels")).items():
        if labels.get(k) != v:
            return False
    for req in as_list(sel.get("matchExpressions")):
        req = as_dict(req)
        k, op, vals = req.get("key"), req.get("operator"), as_list(req.get("values"))
        if op == "In" and (k not in labels or labels[k] not in vals):
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


NameFn = Callable[[str], list]


def validate_path_segment_name(name: str) -> list[str]:
    """``path.IsValidPathSegmentName`` (prefix=False)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    errs = []
    for bad in ("/", "%"):
        if bad in name:
            errs.append(f"may not contain '{bad}'")
    return errs


def validate_object_meta(meta: Any, namespaced: bool, name_fn: NameFn, path: Path = ("metadata",)) -> ErrorList:
    """``ValidateObjectMeta`` for a create: name (or generateName), namespace, labels, annotations."""
    md = as_dict(meta)
    errs: ErrorList = []
    name, gen = md.get("name"), md.get("generateName")
    if isinstance(gen, str) and gen:
        g = gen[:-1] if gen.endswith("-") else gen  # generateName may end in '-'
        errs += [invalid(path + ("generateName",), gen, m) for m in name_fn(g)] if g else []
    if not name and not gen:
        errs.append(required(path + ("name",), "name or generateName is required"))
    elif isinstance(name, str) and name:
        errs += [invalid(path + ("name",), name, m) for m in name_fn(name)]
    ns = md.get("namespace")
    if namespaced:
        if isinstance(ns, str) and ns:
            errs += [invalid(path + ("namespace",), ns, m) for m in is_dns1123_label(ns)]
    elif ns:
        errs.append(forbidden(path + ("namespace",), "not allowed on this type"))
    errs += validate_labels(md.get("labels"), path + ("labels",))
    errs += validate_annotations(md.get("annotations"), path + ("annotations",))
    for i, f in enumerate(as_list(md.get("finalizers"))):
        if isinstance(f, str):
            errs += [invalid(path + ("finalizers", i), f, m) for m in is_qualified_name(f)]
    return errs
