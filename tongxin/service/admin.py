from django.contrib import admin

from tongxin.people.dictionary_admin import DictionaryEntryAdmin

from .models import RequestCategory

# Categories are reference data an admin may extend; departments, requests and
# suggestions change only through the staff UI's services (access, audit).
admin.site.register(RequestCategory, DictionaryEntryAdmin)
