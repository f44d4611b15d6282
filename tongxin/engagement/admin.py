from django.contrib import admin

from tongxin.people.dictionary_admin import DictionaryEntryAdmin

from .models import ActivityType

# Activity types are a dictionary admins extend; entries are never deleted (activities
# refer to them) but can be switched off.
admin.site.register(ActivityType, DictionaryEntryAdmin)
