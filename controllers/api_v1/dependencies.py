# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dependencies of every API route (``async``: see .dispatcher), in the
order they run: the request as
the API model reads it, the caller authenticated by its Odoo API key and counted
against its rate limit, then the body, read only now and only up to the
configured size. ``Idempotency-Key`` and the ETag preconditions are honoured by
the API model when it serves the request (they need the record and the claim).
"""

from typing import Annotated

from fastapi import Depends
from fastapi import Request

from odoo.addons.fastapi.context import odoo_env_ctx
from odoo.http import request as odoo_request

from ...tools.api_envelope import ApiRequest
from ..common import client_address
from ..common import read_body
from .error_handlers import request_id_of


async def api_request(request: Request) -> ApiRequest:
    """The request as :class:`ApiRequest`, body unread."""
    httprequest = odoo_request.httprequest
    return ApiRequest(
        method=httprequest.method,
        path=httprequest.path,
        collection=None,
        record_id=request.path_params.get("id"),
        query=httprequest.args.to_dict(),
        headers=httprequest.headers,
        body=None,
        request_id=request_id_of(request),
        client_address=client_address(httprequest),
        read_body=read_body,
    )


async def authenticated_api(
    request: Request,
    req: Annotated[ApiRequest, Depends(api_request)],
):
    """``integration.api`` as the user of the request's API key, after the
    request was counted against that key's rate limit (401, 403, 406, 429)."""
    Api = odoo_env_ctx.get()["integration.api"].sudo()
    Api._check_acceptable(req)
    user_api, key_digest = Api._authenticate(req)
    request.scope["rate_headers"] = user_api._rate_limit(key_digest)
    return user_api


async def api_request_with_body(
    api: Annotated[object, Depends(authenticated_api)],
    req: Annotated[ApiRequest, Depends(api_request)],
) -> ApiRequest:
    """The request with its body, read once the caller is known (413)."""
    return api._with_body(req)
