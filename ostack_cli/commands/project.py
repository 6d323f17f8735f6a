"""``project create|delete|list|set|show`` (Keystone v3)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.identity import Project
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields

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
    }


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
        parser.add_argument("--or-show", action="store_true",
                            help="Return existing project")
        _add_tags(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project = self.backend.create_project(
            parsed_args.name,
            description=parsed_args.description or "",
            enabled=parsed_args.enabled,
            tags=parsed_args.tags,
            or_show=parsed_args.or_show,
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
        delete_each(
            parsed_args.projects,
            lambda name: self.backend.delete_project(self.backend.find_project(name)),
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
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--sort", metavar="<key>[:<direction>]",
                            help="Sort output by selected keys and directions (asc or desc)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        projects = self.backend.projects()
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
        _add_tags(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        project = self.backend.find_project(parsed_args.project)
        self.backend.update_project(
            project,
            name=parsed_args.name,
            description=parsed_args.description,
            enabled=parsed_args.enabled,
            tags=None if parsed_args.tags is None else sorted({*project.tags, *parsed_args.tags}),
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
