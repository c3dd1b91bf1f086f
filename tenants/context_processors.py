def library(request):
    return {"current_library": getattr(request, "library", None)}
