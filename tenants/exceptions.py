from django.utils.translation import gettext as _

from core.exceptions import Conflict, UserError


class InvalidLibraryCode(UserError):
    code = "invalid_library_code"


class LibraryExists(Conflict):
    code = "library_exists"

    def __init__(self, code: str):
        super().__init__(_("A library with the code %(code)s already exists.") % {"code": code})


class UnknownRegion(UserError):
    code = "unknown_region"
