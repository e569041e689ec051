"""greenshield core: crypto, identity documents, masking, enums, pure rules, errors. No Django models here."""
