"""``image add project``, ``image remove project``, ``image member list|get``: Glance's
image members, as python-openstackclient's ``image/v2/image.py`` has them."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.image_member import member_view
from ostack_cli.commands.base import Command, Lister, ShowOne, show_fields


def _add_project_domain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project-domain", metavar="<project-domain>",
                        help="Domain the project belongs to (name or ID). This can be used in "
                        "case collisions between project names exist.")


class AddProjectToImage(ShowOne):
    """Associate project with image"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image to share (name or ID)")
        parser.add_argument("project", metavar="<project>",
                            help="Project to associate with image (ID)")
        _add_project_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # The real client finds the project first (as given when the user may not look
        # projects up), then the image.
        project_id = self.backend.find_project_id(
            parsed_args.project, domain=parsed_args.project_domain)
        image = self.backend.find_image(parsed_args.image)
        member = self.backend.add_image_member(image, project_id)
        return show_fields(member_view(member))


class RemoveProjectImage(Command):
    """Disassociate project with image"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image to unshare (name or ID)")
        parser.add_argument("project", metavar="<project>",
                            help="Project to disassociate with image (name or ID)")
        _add_project_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        project_id = self.backend.find_project_id(
            parsed_args.project, domain=parsed_args.project_domain)
        image = self.backend.find_image(parsed_args.image)
        self.backend.remove_image_member(image, project_id)


class ListImageProjects(Lister):
    """List projects associated with image"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image (name or ID)")
        _add_project_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        image = self.backend.find_image(parsed_args.image)
        members = self.backend.image_members(image)
        return ("Image ID", "Member ID", "Status"), [
            (m.image_id, m.member_id, m.status) for m in members
        ]


class ShowProjectImage(ShowOne):
    """Show a particular project associated with image"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image (name or ID)")
        parser.add_argument("member", metavar="<project>", help="Project to show (name or ID)")
        _add_project_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        image = self.backend.find_image(parsed_args.image)
        # As the real client: the member is taken as given, never looked up as a project.
        member = self.backend.find_image_member(image, parsed_args.member)
        return show_fields(member_view(member))
