"""Stored objects -> GitHub's JSON shapes (API version 2022-11-28).

Key order follows the recorded fixtures (`@octokit/fixtures`), fields added by GitHub since then
(`type`, `sub_issues_summary`, ...) follow the OpenAPI description. Every URL is absolute and built
from the simulator's own scheme, host, port and prefix: PyGithub asserts that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from .model import Comment, Issue, Label, Milestone, Repo, User
from .state import RepoState, Store

NEW_API_VERSION = "2026-03-10"  # drops `assignee` from issues and `rate` from /rate_limit


def iso(when: dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


class Renderer:
    def __init__(
        self, store: Store, api_url: str, web_url: str, api_version: str = "2022-11-28"
    ) -> None:
        self.store = store
        self.api = api_url  # e.g. http://127.0.0.1:5000/api/v3
        self.web = web_url  # e.g. http://127.0.0.1:5000 (html_url, as GitHub Enterprise)
        self.api_version = api_version

    # --- users ----------------------------------------------------------------------------------

    def user(self, login: str | None) -> dict[str, Any] | None:
        if login is None:
            return None
        user = self.store.user(login)
        if user is None:  # an author the test never registered: still a valid user object
            user = self.store.add_user(login)
        return self._simple_user(user)

    def _simple_user(self, user: User) -> dict[str, Any]:
        u = f"{self.api}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": user.node_id,
            "avatar_url": f"{self.web}/avatars/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": u,
            "html_url": f"{self.web}/{user.login}",
            "followers_url": f"{u}/followers",
            "following_url": f"{u}/following{{/other_user}}",
            "gists_url": f"{u}/gists{{/gist_id}}",
            "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{u}/subscriptions",
            "organizations_url": f"{u}/orgs",
            "repos_url": f"{u}/repos",
            "events_url": f"{u}/events{{/privacy}}",
            "received_events_url": f"{u}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": user.site_admin,
        }

    def full_user(self, user: User) -> dict[str, Any]:
        """GET /user and GET /users/{login}: the public-user shape."""
        out = self._simple_user(user)
        out.update(
            {
                "name": user.name,
                "company": None,
                "blog": "",
                "location": None,
                "email": user.email,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 0,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": iso(user.created_at),
                "updated_at": iso(user.created_at),
            }
        )
        return out

    # --- repositories ---------------------------------------------------------------------------

    def repo_url(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.owner}/{repo.name}"

    def repository(self, rs: RepoState) -> dict[str, Any]:
        repo = rs.repo
        r = self.repo_url(repo)
        host = self.web.split("://", 1)[-1].split(":")[0]
        open_count = sum(1 for i in rs.issues.values() if i.state == "open")
        stamp = iso(repo.created_at)
        owner = self.user(repo.owner)
        return {
            "id": repo.id,
            "node_id": repo.node_id,
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": owner,
            "html_url": f"{self.web}/{repo.full_name}",
            "description": repo.description,
            "fork": False,
            "url": r,
            **{f"{k}_url": f"{r}/{v}" for k, v in _REPO_LINKS.items()},
            "created_at": stamp,
            "updated_at": stamp,
            "pushed_at": stamp,
            "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git",
            "clone_url": f"{self.web}/{repo.full_name}.git",
            "svn_url": f"{self.web}/{repo.full_name}",
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_count,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private" if repo.private else "public",
            "forks": 0,
            "open_issues": open_count,
            "watchers": 0,
            "default_branch": repo.default_branch,
            "permissions": {
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
            "temp_clone_token": "",
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_rebase_merge": True,
            "allow_auto_merge": False,
            "delete_branch_on_merge": False,
            "allow_update_branch": False,
            "use_squash_pr_title_as_default": False,
            **({"organization": owner} if owner and owner["type"] == "Organization" else {}),
            "network_count": 0,
            "subscribers_count": 0,
        }

    # --- labels and milestones -----------------------------------------------------------------

    def label(self, label: Label) -> dict[str, Any]:
        owner, name = label.repo.split("/", 1)
        return {
            "id": label.id,
            "node_id": label.node_id,
            "url": f"{self.api}/repos/{owner}/{name}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def milestone(self, rs: RepoState, m: Milestone) -> dict[str, Any]:
        r = self.repo_url(rs.repo)
        mine = [i for i in rs.issues.values() if i.milestone == m.number]
        return {
            "url": f"{r}/milestones/{m.number}",
            "html_url": f"{self.web}/{rs.repo.full_name}/milestone/{m.number}",
            "labels_url": f"{r}/milestones/{m.number}/labels",
            "id": m.id,
            "node_id": m.node_id,
            "number": m.number,
            "title": m.title,
            "description": m.description,
            "creator": self.user(m.creator),
            "open_issues": sum(1 for i in mine if i.state == "open"),
            "closed_issues": sum(1 for i in mine if i.state == "closed"),
            "state": m.state,
            "created_at": iso(m.created_at),
            "updated_at": iso(m.updated_at),
            "due_on": iso(m.due_on),
            "closed_at": iso(m.closed_at),
        }

    # --- issues and comments --------------------------------------------------------------------

    def issue(self, rs: RepoState, issue: Issue, *, single: bool = True) -> dict[str, Any]:
        """An issue; `single=False` for list items, which lack `closed_by` on GitHub."""
        r = self.repo_url(rs.repo)
        u = f"{r}/issues/{issue.number}"
        labels = [self.label(rs.labels[n.lower()]) for n in issue.labels if n.lower() in rs.labels]
        assignees = [self.user(a) for a in issue.assignees]
        milestone = rs.milestones.get(issue.milestone) if issue.milestone else None
        out: dict[str, Any] = {
            "url": u,
            "repository_url": r,
            "labels_url": f"{u}/labels{{/name}}",
            "comments_url": f"{u}/comments",
            "events_url": f"{u}/events",
            "html_url": f"{self.web}/{rs.repo.full_name}/issues/{issue.number}",
            "id": issue.id,
            "node_id": issue.node_id,
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.author),
            "labels": labels,
            "state": issue.state,
            "locked": issue.locked,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": self.milestone(rs, milestone) if milestone else None,
            "comments": issue.comments,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": self.association(rs, issue.author),
            "type": None,
            "active_lock_reason": issue.active_lock_reason,
        }
        if self.store.sub_issues_enabled:
            # Old GitHub Enterprise servers know nothing of sub-issues, so these go with the switch.
            if issue.parent_id is not None:
                out["parent_issue_url"] = self._parent_url(issue.parent_id)
            out["sub_issues_summary"] = self.sub_issues_summary(issue)
            out["issue_dependencies_summary"] = {
                "blocked_by": 0,
                "total_blocked_by": 0,
                "blocking": 0,
                "total_blocking": 0,
            }
        out["body"] = issue.body
        if single:
            out["closed_by"] = self.user(issue.closed_by) if issue.state == "closed" else None
        out["reactions"] = self.reactions(f"{u}/reactions")
        out["timeline_url"] = f"{u}/timeline"
        out["performed_via_github_app"] = None
        out["state_reason"] = issue.state_reason
        if self.api_version == NEW_API_VERSION:
            del out["assignee"]
        return out

    def _parent_url(self, parent_id: int) -> str | None:
        found = self.store.issue_by_id(parent_id)
        if found is None:
            return None
        prs, parent = found
        return f"{self.repo_url(prs.repo)}/issues/{parent.number}"

    def sub_issues_summary(self, issue: Issue) -> dict[str, int]:
        children = self.store.sub_issues(issue)
        total = len(children)
        completed = sum(1 for c in children if c.state == "closed")
        percent = completed * 100 // total if total else 0
        return {"total": total, "completed": completed, "percent_completed": percent}

    def comment(self, rs: RepoState, c: Comment) -> dict[str, Any]:
        r = self.repo_url(rs.repo)
        return {
            "url": f"{r}/issues/comments/{c.id}",
            "html_url": f"{self.web}/{rs.repo.full_name}/issues/{c.issue_number}"
            f"#issuecomment-{c.id}",
            "issue_url": f"{r}/issues/{c.issue_number}",
            "id": c.id,
            "node_id": c.node_id,
            "user": self.user(c.author),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": self.association(rs, c.author),
            "body": c.body,
            "reactions": self.reactions(f"{r}/issues/comments/{c.id}/reactions"),
            "performed_via_github_app": None,
        }

    def association(self, rs: RepoState, login: str) -> str:
        if login.lower() == rs.repo.owner.lower():
            return "OWNER"
        if login.lower() in {x.lower() for x in rs.repo.collaborators}:
            return "COLLABORATOR"
        return "NONE"

    @staticmethod
    def reactions(url: str) -> dict[str, Any]:
        counts = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
        return {"url": url, "total_count": 0, **dict.fromkeys(counts, 0)}


# Suffixes of a repository's `*_url` fields, in GitHub's order (fixture `get-repository`).
_REPO_LINKS = {
    "forks": "forks",
    "keys": "keys{/key_id}",
    "collaborators": "collaborators{/collaborator}",
    "teams": "teams",
    "hooks": "hooks",
    "issue_events": "issues/events{/number}",
    "events": "events",
    "assignees": "assignees{/user}",
    "branches": "branches{/branch}",
    "tags": "tags",
    "blobs": "git/blobs{/sha}",
    "git_tags": "git/tags{/sha}",
    "git_refs": "git/refs{/sha}",
    "trees": "git/trees{/sha}",
    "statuses": "statuses/{sha}",
    "languages": "languages",
    "stargazers": "stargazers",
    "contributors": "contributors",
    "subscribers": "subscribers",
    "subscription": "subscription",
    "commits": "commits{/sha}",
    "git_commits": "git/commits{/sha}",
    "comments": "comments{/number}",
    "issue_comment": "issues/comments{/number}",
    "contents": "contents/{+path}",
    "compare": "compare/{base}...{head}",
    "merges": "merges",
    "archive": "{archive_format}{/ref}",
    "downloads": "downloads",
    "issues": "issues{/number}",
    "pulls": "pulls{/number}",
    "milestones": "milestones{/number}",
    "notifications": "notifications{?since,all,participating}",
    "labels": "labels{/name}",
    "releases": "releases{/id}",
    "deployments": "deployments",
}
