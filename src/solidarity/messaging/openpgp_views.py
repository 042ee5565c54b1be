"""The network's public OpenPGP key (a page, a file, a Web Key Directory) and the proof link of a person's own key.

All public: the network's key is meant to be found by anyone who gets its mail, and the proof
page acts only on the secret token of a link that travelled encrypted to the key it proves.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.core.permissions import permission
from solidarity.messaging.access import key_proof_to_confirm
from solidarity.messaging.address_keys import absolute, describe, do_confirm_openpgp_key, spaced
from solidarity.messaging.models import NetworkKey
from solidarity.messaging.openpgp import binary_key, key_address, wkd_hash
from solidarity.messaging.services import published_network_key

KEY_FILE = "network-key.asc"


@require_GET
@permission("public")
def network_key_page(request: HttpRequest) -> HttpResponse:
    """The fingerprint and the armored key, with how to check a message's signature."""
    found = published_network_key()
    context = {
        "key": found,
        "fingerprint": spaced(found.fingerprint) if found else "",
        "address": key_address(found.public) if found else "",
        "file_url": absolute(reverse("published:network-key-file")),
    }
    return render(request, "messaging/network_key.html", context)


@require_GET
@permission("public")
def network_key_file(request: HttpRequest) -> HttpResponse:
    """The armored key, to download or to `gpg --fetch-keys`."""
    found = published_or_404()
    response = HttpResponse(found.public, content_type="application/pgp-keys")
    response["Content-Disposition"] = f'attachment; filename="{KEY_FILE}"'
    return response


@require_GET
@permission("public")
def wkd_key(request: HttpRequest, hashed: str) -> HttpResponse:
    """The Web Key Directory's direct method: the binary key for the network's From address, found by its hash."""
    found = published_or_404()
    local_part = key_address(found.public).split("@", 1)[0]
    if not local_part or hashed != wkd_hash(local_part):
        raise Http404
    response = HttpResponse(binary_key(found.public), content_type="application/octet-stream")
    response["Access-Control-Allow-Origin"] = "*"  # the draft asks for it: web mail programs fetch keys too
    return response


@require_GET
@permission("public")
def wkd_policy(request: HttpRequest) -> HttpResponse:
    """The Web Key Directory's policy file: its presence says the directory exists; empty, no options."""
    response = HttpResponse(b"", content_type="text/plain")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def published_or_404() -> NetworkKey:
    found = published_network_key()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def confirm_key(request: HttpRequest, proof: str) -> HttpResponse:
    """The link inside the encrypted email opens this page; only its button makes the key the address's."""
    found = key_proof_to_confirm(proof)
    if found is None:
        return render(request, "messaging/key_link_invalid.html", status=404)
    if request.method == "POST":
        if not do_confirm_openpgp_key(found):  # a second click: the first one used the link
            return render(request, "messaging/key_link_invalid.html", status=404)
        return render(request, "messaging/key_confirmed.html")
    info = describe(str(found.openpgp_key))
    context = {
        "fingerprint": spaced(info.fingerprint) if info else "",
        "expires": info.encrypts_until if info else None,
    }
    return render(request, "messaging/confirm_key.html", context)
