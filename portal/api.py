"""The JSON API (/api/v1/, OpenAPI at /api/v1/openapi.json).

Apps add their routers in their AppConfig.ready(): `api.add_router("/exams/", router)`.
Auth: `Authorization: Bearer <token>` from POST /api/v1/auth/token, or the site's session (with CSRF);
POST /api/v1/auth/logout ends the token (or session) it is called with. A login that must still
change its first password is refused everywhere with 403 `password_change_required`.
Errors are JSON: {"code": "<stable_code>", "message": "<中文说明>"}.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connections, router
from django.db.models.signals import post_delete
from django.urls import path as url_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from portal.auth import client_ip, login_locked
from portal.db import rows
from portal.db.prepared import prepared_cursor
from portal.models import ApiToken, User

TOKEN_LIFETIME = timedelta(days=7)
PASSWORD_CHANGE_REQUIRED = "password_change_required"  # nosec B105 # an error code


class ApiError(HttpError):
    """Raise with a stable code and a translated message: ApiError(409, "deadline_passed", _("…"))."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


class ErrorOut(Schema):
    code: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[dict]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _refuse_until_password_changed(user) -> None:
    if user.must_change_password:
        raise ApiError(
            403,
            PASSWORD_CHANGE_REQUIRED,
            _("请先在网页上登录并修改初始密码，然后才能使用移动端。"),
        )


def _token_cache_key(key_hash: str) -> str:
    return f"api-token:{key_hash}"


def _forget_token(sender, instance, **kwargs) -> None:
    """A deleted token (logout, revoked in 我的, password changed, login deactivated) leaves the
    cache at once (on every node with a shared cache; local-memory caches are per process and keep
    it at most API_TOKEN_CACHE_SECONDS)."""
    cache.delete(_token_cache_key(instance.key_hash))


post_delete.connect(_forget_token, sender=ApiToken, dispatch_uid="portal-api-token-cache")


_TOKEN_SQL: dict[str, tuple] = {}
# the token's last use is written on its first use, then at most this often
TOUCH_EVERY = timedelta(minutes=5)


def _active_token(key_hash: str, now) -> ApiToken | None:
    """The unexpired token of `key_hash` with its active user, in one query: the same rows as
    `ApiToken.objects.active(now=now).select_related("user").filter(key_hash=…,
    user__is_active=True)`, with SQL written once per database (portal.db.rows). A cache miss is
    the common case with the local-memory cache of a node without Redis (one per gunicorn process,
    entries of API_TOKEN_CACHE_SECONDS), where the ORM's compilation of that query was most of a
    token check (BENCHMARKS.md, issue 21 third pass).

    On PostgreSQL the same statement writes the token's last use when it is due (`_touch_token`'s
    rule: never used, or not for TOUCH_EVERY, and a user who need not change their password
    first) — a CTE the SELECT does not see, so the row read is the token as it was, and
    `last_used_at` is set to `now` when it was written: the first use of a token (every start of
    an exam-day spike) is one round trip, not two."""
    connection = connections[router.db_for_read(ApiToken)]
    touches = connection.vendor == "postgresql"
    cached = _TOKEN_SQL.get(connection.alias)
    if cached is None:
        qn = connection.ops.quote_name
        selected, parts = rows.columns(connection, [("t", ApiToken), ("u", User)])
        token_meta, user_meta = ApiToken._meta, User._meta
        col = partial(rows.column, connection)
        touch = ""
        if touches:
            touch = (
                f"WITH touched AS (UPDATE {qn(token_meta.db_table)} "  # nosec B608
                f"SET {col(ApiToken, 'last_used_at')} = %s "
                f"WHERE {col(ApiToken, 'key_hash')} = %s AND {col(ApiToken, 'expires_at')} > %s "
                f"AND ({col(ApiToken, 'last_used_at')} IS NULL "
                f"OR {col(ApiToken, 'last_used_at')} < %s) "
                f"AND {col(ApiToken, 'user')} IN (SELECT {qn(user_meta.pk.column)} "
                f"FROM {qn(user_meta.db_table)} WHERE {col(User, 'is_active')} "
                f"AND NOT {col(User, 'must_change_password')}) RETURNING 1) "
            )
            selected = [*selected, "EXISTS (SELECT 1 FROM touched)"]
        sql = (
            f"{touch}SELECT {', '.join(selected)} FROM {qn(token_meta.db_table)} t "  # nosec B608
            f"JOIN {qn(user_meta.db_table)} u ON u.{qn(user_meta.pk.column)} = "
            f"t.{col(ApiToken, 'user')} "
            f"WHERE t.{col(ApiToken, 'key_hash')} = %s "
            f"AND t.{col(ApiToken, 'expires_at')} > %s "
            f"AND u.{col(User, 'is_active')}"
        )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
        cached = _TOKEN_SQL[connection.alias] = (sql, parts)
    sql, parts = cached
    at = connection.ops.adapt_datetimefield_value(now)
    params = [key_hash, at]
    if touches:
        params = [at, key_hash, at, connection.ops.adapt_datetimefield_value(now - TOUCH_EVERY)]
        params += [key_hash, at]
    # prepared where the engine can (portal.db.postgresql): parsed and planned once per connection
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    token, user = rows.instances(connection, row, parts)
    token.user = user
    if touches and row[-1]:
        token.last_used_at = now
    return token


_TOUCH_SQL: dict[str, str] = {}


def _touch_token(pk: int, now) -> None:
    """`ApiToken.objects.filter(pk=pk).update(last_used_at=now)` with SQL written once per
    database and prepared where the engine can: every start of an exam-day spike is its token's
    first use, and compiling the ORM's UPDATE was a visible part of a start (BENCHMARKS.md)."""
    connection = connections[router.db_for_write(ApiToken)]
    sql = _TOUCH_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        meta = ApiToken._meta
        sql = _TOUCH_SQL[connection.alias] = (
            f"UPDATE {qn(meta.db_table)} SET {rows.column(connection, ApiToken, 'last_used_at')} = %s "  # nosec B608
            f"WHERE {qn(meta.pk.column)} = %s"
        )  # names from the model's _meta, values as parameters
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), pk])


class BearerAuth(HttpBearer):
    """The token's row (with its user) is cached for API_TOKEN_CACHE_SECONDS (0: never), so a
    request of the exam traffic costs no query for it; expiry is checked on every request."""

    def authenticate(self, request, token):
        now = timezone.now()
        key_hash = _hash(token)
        seconds = getattr(settings, "API_TOKEN_CACHE_SECONDS", 30)
        row = cache.get(_token_cache_key(key_hash)) if seconds else None
        if row is None or row.expires_at <= now:
            row = _active_token(key_hash, now)
            if row is None:
                return None
            if seconds:
                cache.set(_token_cache_key(key_hash), row, seconds)
        _refuse_until_password_changed(row.user)
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            _touch_token(row.pk, now)
            row.last_used_at = now
            if seconds:
                cache.set(_token_cache_key(key_hash), row, seconds)
        request.user = row.user
        request.api_token = row
        return row.user


class PortalSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user:
            _refuse_until_password_changed(user)
        return user


FORBIDDEN_DESCRIPTION = gettext_lazy(
    "无权访问（forbidden）；会话请求缺少 CSRF 令牌（forbidden，仅写操作）；"
    "或账号须先修改初始密码（password_change_required）"
)


def _unstorable(value, where: tuple = ()):
    """Where in a parsed JSON value or query string a text holds what no database stores: a NUL
    character (PostgreSQL refuses it) or a lone UTF-16 surrogate (JSON's "\\ud800" decodes to
    one; no UTF-8 encoder takes it). None when every text (keys included) is storable."""
    if isinstance(value, str):
        if "\x00" in value:
            return where
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key, (*where, key)) if isinstance(key, str) else None
            if found is None:
                found = _unstorable(item, (*where, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable(item, (*where, index))
            if found is not None:
                return found
    return None


class PortalParser(Parser):
    """ninja's JSON parser, refusing texts no database can store at the edge: a body with one
    answers 400 `bad_request`, a query parameter 422 `invalid_request` — never a 500 from deep in
    the ORM (a login name with a lone surrogate once was one)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _unstorable(data) is not None:
            raise ValueError("unstorable text in the body")
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        where = _unstorable(result)
        if where is not None:
            raise ValidationError(
                [
                    {
                        "type": "invalid_text",
                        "loc": ["query", *where],
                        "msg": _("含有无法保存的字符。"),
                    }
                ]
            )
        return result


class PortalAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI also declares the answers every operation can give, so clients (and
    schemathesis) know them: 401 without a valid token or session, 403 when a session request has no
    CSRF token (unsafe methods), 400 when the body is not JSON, 413 when it is larger than
    DATA_UPLOAD_MAX_MEMORY_SIZE, 422 when the parameters or the body do not validate (numbers and
    dates are bounded: portal.params)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        ref = "#/components/schemas/{model}"
        for model in (ErrorOut, ValidationErrorOut):
            components.setdefault(model.__name__, model.model_json_schema(ref_template=ref))
        error, invalid = (
            {"$ref": ref.format(model=m.__name__)} for m in (ErrorOut, ValidationErrorOut)
        )
        for methods in schema["paths"].values():
            for operation in methods.values():
                answers = operation["responses"]
                extra = {}
                if operation.get("security"):
                    extra[401] = (_("未登录或令牌无效"), error)
                    extra[403] = (FORBIDDEN_DESCRIPTION, error)
                if operation.get("requestBody"):
                    extra[400] = (_("请求体无法解析"), error)
                    extra[413] = (_("请求体超过 DATA_UPLOAD_MAX_MEMORY_SIZE"), error)
                if operation.get("parameters") or operation.get("requestBody"):
                    extra[422] = (_("请求数据格式不正确"), invalid)
                for answer in answers.values():
                    answer["description"] = str(answer["description"])  # lazy texts
                for status, (description, body) in extra.items():
                    documented = answers.get(status) or answers.get(str(status))
                    if documented and status == 403:
                        # the operation's own 403 (a business refusal) can be this one too
                        documented["description"] += "；" + str(description)
                    elif documented is None:
                        answers[status] = {
                            "description": str(description),
                            "content": {"application/json": {"schema": body}},
                        }
        return schema


api = PortalAPI(
    title="安全培训·应急演练·考试门户 API",
    version="1.0",
    urls_namespace="api",
    auth=[BearerAuth(), PortalSessionAuth()],
    parser=PortalParser(),
)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message}, status=exc.status_code
    )


# ---------------------------------------------------------------- fast routes
#
# An operation of the exam traffic may also have a fast route (`fast_route`): a plain Django view
# tried before ninja's, at the same URL, answering only the common case it fully understands (a
# bearer token that authenticates, path ids and a JSON body of exactly the expected shapes) with
# the operation's own code, status and body, and handing every other request — a session (CSRF),
# no or a bad token, anything ninja would refuse or coerce — to ninja's view of the operation,
# which answers it as it always did. What it saves is ninja's per-request machinery (parameter
# models, pydantic validation of the body and of the answer): a third of an autosave's Python
# time beyond the bare view's (BENCHMARKS.md, issue 21 fourth pass).

FAST_ROUTES: list = []  # URL patterns, included before ninja's (portal.urls)
_BEARER = api.auth[0]  # the BearerAuth instance of every operation
_ID_DIGITS = frozenset("0123456789")


def fast_id(raw: str) -> int | None:
    """A path id as portal.params.Id takes it without coercion (ASCII digits, 1..ID_MAX), or None."""
    if not raw or len(raw) > 19 or not _ID_DIGITS.issuperset(raw) or raw[0] == "0":
        return None
    value = int(raw)
    return value if value <= 2**63 - 1 else None


def fast_body(request) -> dict | None:
    """The request's JSON object body as PortalParser reads it, or None when there is none, it
    does not parse, is too big or holds a text no database stores (ninja answers those)."""
    try:
        body = request.body
    except Exception:  # RequestDataTooBig, a body already read: ninja's answer
        return None
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if type(data) is not dict or _unstorable(data) is not None:
        return None
    return data


def fast_user(request):
    """The user of the request's bearer token (the same BearerAuth ninja runs first), or None
    (no token, a refused or unknown one: ninja's session auth, CSRF check and errors answer)."""
    try:
        user = _BEARER(request)
    except Exception:  # password_change_required and the like: ninja answers
        return None
    if user:
        request.auth = user
    return user or None


def fast_response(request, data, status: int = 200):
    """The body ninja renders for `data` (its renderer and encoder: the same bytes)."""
    return api.create_response(request, data, status=status)


def fast_error(request, exc: ApiError):
    return _api_error(request, exc)


def fast_route(route: str, url_name: str):
    """Registers `view(request, **path kwargs) -> response | None` at /api/v1/`route` (Django
    `<str:name>` placeholders, as ninja's `{name}`) in front of ninja's operation `url_name`;
    None hands the request to ninja's view."""

    def register(view):
        ninja_view = None

        @csrf_exempt  # as ninja's views: the fast route takes bearer tokens only, no session
        def fast(request, **kwargs):
            nonlocal ninja_view
            response = view(request, **kwargs)
            if response is not None:
                return response
            if ninja_view is None:
                patterns = api.urls[0]
                ninja_view = next(p.callback for p in patterns if p.name == url_name)
            return ninja_view(request, **kwargs)

        FAST_ROUTES.append(url_path(route, fast, name=f"{url_name}-fast"))
        return view

    return register


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request, {"code": "unauthorized", "message": _("请先登录或提供有效的令牌。")}, status=401
    )


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {"code": "invalid_request", "message": _("请求数据格式不正确。"), "errors": exc.errors},
        status=422,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # ninja raises HttpError(400, "Cannot parse request body") and HttpError(403, "CSRF check Failed")
    known = {
        400: (
            "bad_request",
            _("请求体无法解析：须为 JSON，且文字中不能含 NUL 或不成对的代理字符。"),
        ),
        403: ("forbidden", _("无权访问。")),
        404: ("not_found", _("未找到。")),
    }
    code, message = known.get(exc.status_code, ("error", str(exc)))
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(
        request, {"code": "payload_too_large", "message": _("请求数据过大。")}, status=413
    )


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    openapi_extra={
        "responses": {
            403: {
                "description": gettext_lazy(
                    "账号须先在网页上修改初始密码（password_change_required）"
                )
            },
            429: {
                "description": gettext_lazy(
                    "登录失败次数过多（too_many_attempts），按账号和按 IP 计数"
                )
            },
        }
    },
)
def issue_token(request, payload: TokenIn):
    """A bearer token for this device (7 days). Refused with 403 `password_change_required` until
    a first password is changed on the web; counted by the same login throttle as the web login."""
    if login_locked(payload.username, client_ip(request)):
        raise ApiError(429, "too_many_attempts", _("登录失败次数过多，请稍后再试。"))
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:  # the failure is counted by portal.auth's user_login_failed receiver
        raise ApiError(401, "invalid_credentials", _("账号或密码不正确。"))
    _refuse_until_password_changed(user)
    key = secrets.token_urlsafe(32)
    expires = timezone.now() + TOKEN_LIFETIME
    ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        expires_at=expires,
        user_agent=request.headers.get("User-Agent", "")[:255],
    )
    return {"token": key, "expires_at": expires.isoformat()}


@api.post("/auth/logout", response={204: None}, tags=["auth"])
def end_login(request):
    """Logs this device out: the bearer token it called with stops working (the account's other
    devices keep theirs); called with the site's session, the session ends."""
    token = getattr(request, "api_token", None)
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).delete()
    else:
        logout(request)
    return Status(204, None)
