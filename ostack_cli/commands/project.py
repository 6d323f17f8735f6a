"""``project create|delete|list|set|show`` (Keystone v3)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.identity import Project
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    show_fields,
)
from ostack_cli.commands.identity_common import find_id
from ostack_cli.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

# The real client prints options and tags raw ({} and []).
FORMATTERS: dict[str, type] = {}


def project_fields(project: Project) -> dict[str, Any]:
    return {
        "description": project.description,
        "domain_id": project.domain_id,
        "enabled": project.is_enabled,
        "id": project.id,
        "is_domain": project.is_domain,
        "name": project.name,
        "options": dict(project.options),
        "parent_id": project.parent_id,
        "tags": list(project.tags),
        # Attributes set with --property: the real client shows each as a field.
        **{k: v for k, v in project.extra.items() if k not in _OWN_FIELDS},
    }


_OWN_FIELDS = frozenset({"description", "domain_id", "enabled", "id", "is_domain", "name",
                         "options", "parent_id", "tags", "links", "location"})


def _add_properties(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--property", metavar="<key=value>", dest="properties",
                        action=KeyValueAction, help=help_text)


def _domain_id(backend: Backend, name_or_id: str | None, *, validate: bool = True) -> str | None:
    return find_id(backend.find_domain, name_or_id, validate=validate) if name_or_id else None


def _add_enable_disable(parser: argparse.ArgumentParser, default: bool | None) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--enable", action="store_true", dest="enabled", default=default,
                       help="Enable project")
    group.add_argument("--disable", action="store_false", dest="enabled", default=default,
                       help="Disable project")


def _add_tags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag", action="append", dest="tags", metavar="<tag>", default=None,
                        help="Tag to be added to the project (repeat option to set multiple "
                        "tags)")


class CreateProject(ShowOne):
    """Create new project"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<project-name>", help="New project name")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning the project (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="Project description")
        _add_enable_disable(parser, True)
        _add_properties(parser, "Add a property to <name> (repeat option to set multiple "
                        "properties)")
        parser.add_argument("--or-show", action="store_true",
                            help="Return existing project")
        _add_tags(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        properties: dict[str, Any] = dict(parsed_args.properties or {})
        if "is_domain" in properties:
            # The real client turns these three words into JSON values; others go as typed.
            word = str(properties["is_domain"]).lower()
            conversions: dict[str, Any] = {"true": True, "false": False, "none": None}
            if word in conversions:
                properties["is_domain"] = conversions[word]
        # Its options win over the same keys given as properties.
        if parsed_args.description:
            properties.pop("description", None)
        if parsed_args.name:
            properties.pop("name", None)
        domain_id = _domain_id(self.backend, parsed_args.domain)
        if domain_id is not None:
            properties["domain_id"] = domain_id
        project = self.backend.create_project(
            parsed_args.name,
            description=parsed_args.description or "",
            enabled=parsed_args.enabled,
            tags=parsed_args.tags,
            or_show=parsed_args.or_show,
            properties=properties or None,
        )
        return show_fields(project_fields(project), FORMATTERS)


class DeleteProject(Command):
    """Delete project(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("projects", metavar="<project>", nargs="+",
                            help="Project(s) to delete (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning <project> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            domain_id = _domain_id(self.backend, parsed_args.domain, validate=False)
            project_id = find_id(lambda x: self.backend.find_project(x, domain_id=domain_id),
                                 name)
            self.backend.delete_project(_project_ref(self.backend, project_id))

        delete_each(
            parsed_args.projects,
            delete_one,
            failure=lambda name, exc: (
                f"Failed to delete project with name or ID '{name}': {exc}"
            ),
            summary=lambda failed, total: f"{failed} of {total} projects failed to delete.",
        )


class ListProject(Lister):
    """List projects"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>",
                            help="Filter projects by <domain> (name or ID)")
        parser.add_argument("--user", metavar="<user>",
                            help="Filter projects by <user> (name or ID)")
        parser.add_argument("--my-projects", action="store_true",
                            help="List projects for the authenticated user. Supersedes other "
                            "filters.")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--sort", metavar="<key>[:<direction>]",
                            help="Sort output by selected keys and directions (asc or desc)")
        parser.add_argument("--enabled", action="store_true", dest="is_enabled", default=None,
                            help="List only enabled projects")
        parser.add_argument("--disabled", action="store_false", dest="is_enabled",
                            default=None, help="List only disabled projects")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        user_id = None
        if parsed_args.user:
            user_id = find_id(lambda x: self.backend.find_user(x, domain_id=domain_id),
                              parsed_args.user)
        filters: dict[str, Any] = {"domain_id": domain_id, "enabled": parsed_args.is_enabled}
        if parsed_args.my_projects:
            # Supersedes every other filter.
            filters = {"domain_id": None, "enabled": None}
            user_id = self.backend.auth_user_id()
        if user_id is None:
            projects = self.backend.projects(**filters)
        else:
            projects = [
                p for p in self.backend.user_projects(user_id)
                if (filters["domain_id"] is None or p.domain_id == filters["domain_id"])
                and (filters["enabled"] is None or p.is_enabled == filters["enabled"])
            ]
        headers: tuple[str, ...] = ("ID", "Name")
        if parsed_args.long:
            headers += ("Domain ID", "Description", "Enabled")
        rows = []
        for p in projects:
            row: tuple[Any, ...] = (p.id, p.name)
            if parsed_args.long:
                row += (p.domain_id, p.description, p.is_enabled)
            rows.append(row)
        return headers, rows


class SetProject(Command):
    """Set project properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>",
                            help="Project to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set project name")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning <project> (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set project description")
        _add_enable_disable(parser, None)
        _add_properties(parser, "Set a property on <project> (repeat option to set multiple "
                        "properties)")
        _add_tags(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        domain_id = _domain_id(self.backend, parsed_args.domain, validate=False)
        try:
            project = self.backend.find_project(parsed_args.project, domain_id=domain_id)
        except NotFound:
            # Looked up with ignore_missing: the update itself then finds nothing.
            project = Project(id=parsed_args.project, name=parsed_args.project)
        self.backend.update_project(
            project,
            name=parsed_args.name or None,
            description=parsed_args.description or None,
            enabled=parsed_args.enabled,
            tags=None if parsed_args.tags is None else sorted({*project.tags, *parsed_args.tags}),
            # Properties win over the options (the real client sends them last).
            properties=parsed_args.properties or None,
        )


class ShowProject(ShowOne):
    """Display project details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>",
                            help="Project to display (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning <project> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project = self.backend.find_project(parsed_args.project)
        return show_fields(project_fields(project), FORMATTERS)


def _project_ref(backend: Backend, project_id: str) -> Project:
    """The project to delete: the one found, or the ID as given when the lookup was refused
    (Keystone's policy answers the delete then)."""
    try:
        return backend.find_project(project_id)
    except (Forbidden, NotFound):
        return Project(id=project_id, name=project_id)
